package io.selfalign.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * TLS in front of the in-process API server: Fabric8's mock server can serve TLS only with a certificate of its
 * own making, without the subject alternative names kubectl requires, so it listens in plain HTTP on a loopback
 * port of its own and this front ends TLS on the API's port and passes the bytes on unchanged (watches over
 * WebSocket included). Both ends are on the loopback address; the plain port still needs local mode's token.
 */
final class TlsFront implements AutoCloseable {
    private final ServerSocket server;
    private final InetAddress address;
    private final int backendPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "selfalign-local-tls");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param port        the port to serve TLS on, 0 for a free one
     * @param backendPort the plain-HTTP port of the API server on {@code address}
     * @throws java.net.BindException when {@code port} is taken
     */
    TlsFront(SSLContext context, InetAddress address, int port, int backendPort) throws IOException {
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(port, 50, address);
        // HTTP/1.1 only: the bytes go on to the plain server as they are, so no HTTP/2 may be negotiated.
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        this.server = socket;
        this.address = address;
        this.backendPort = backendPort;
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> connect(client));
            } catch (IOException e) {
                if (server.isClosed()) return;
            }
        }
    }

    private void connect(Socket client) {
        Socket backend;
        try {
            backend = new Socket(address, backendPort);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        threads.execute(() -> pump(backend, client));
        pump(client, backend);
    }

    /** Copies {@code from} to {@code to} until either ends, then closes both: the connection is over. */
    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (SocketException closed) {
            // the other direction closed the connection
        } catch (IOException e) {
            // a failed TLS handshake or a reset: this connection ends, the others go on
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
