{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "selfalign.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name of the operator's objects. */}}
{{- define "selfalign.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "selfalign.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "selfalign.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: selfalign
{{- end -}}

{{- define "selfalign.selectorLabels" -}}
app.kubernetes.io/name: {{ include "selfalign.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "selfalign.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "selfalign.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "selfalign.operatorImage" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) -}}
{{- end -}}

{{- define "selfalign.trainerImage" -}}
{{- printf "%s:%s" .Values.trainer.image.repository (default .Chart.AppVersion .Values.trainer.image.tag) -}}
{{- end -}}

{{/*
The rules the reconciler needs on the namespaces it watches - nothing more (each verb is a call the
operator makes; ChartRbacTest pins the set). Shared by the cluster-wide ClusterRole and the
per-namespace Roles so both modes grant the same verbs.
*/}}
{{- define "selfalign.reconcilerRules" -}}
# Informer on runs; JOSDK adds/removes its finalizer with patch/update.
- apiGroups: ["selfalign.io"]
  resources: ["alignmentruns"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["selfalign.io"]
  resources: ["alignmentruns/status"]
  verbs: ["patch", "update"]
# Owner references with blockOwnerDeletion on the run's Jobs, ConfigMaps and claim.
- apiGroups: ["selfalign.io"]
  resources: ["alignmentruns/finalizers"]
  verbs: ["update"]
# round.json per round; removed with the run by label.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["create", "deletecollection"]
# Informer on rounds; create, suspend/resume (patch), removed with the run by label.
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "deletecollection"]
# Informer on round pods; termination messages and failure reasons.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# Only the claim the operator creates for spec.workspace.storageClassName, deleted with its run.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["create", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
