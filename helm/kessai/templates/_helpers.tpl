{{/* The four services: values key -> name and HTTP port (the ports the services listen on, docs/architecture.md). */}}
{{- define "kessai.services" -}}
auth: {name: auth-service, port: 8081}
wallet: {name: wallet-service, port: 8082}
payment: {name: payment-service, port: 8083}
notification: {name: notification-service, port: 8084}
{{- end }}

{{/* The calls between services (docs/architecture.md, "Calls between services"): caller key -> callee keys.
     Every service calls auth-service (JWKS; the relays' client-credentials tokens, auth-service's own too). */}}
{{- define "kessai.calls" -}}
auth: [auth, wallet, payment, notification]
wallet: [auth]
payment: [auth, wallet, notification]
notification: [auth]
{{- end }}

{{- define "kessai.serviceKeys" -}}
[auth, wallet, payment, notification]
{{- end }}

{{- define "kessai.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kessai.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of a service's objects. Args: dict "root" . "key" "auth" */}}
{{- define "kessai.componentName" -}}
{{- $svc := index (include "kessai.services" .root | fromYaml) .key }}
{{- printf "%s-%s" (include "kessai.fullname" .root | trunc 42 | trimSuffix "-") $svc.name }}
{{- end }}

{{/* Internal base URL of a service. Args: dict "root" . "key" "auth" */}}
{{- define "kessai.url" -}}
{{- $svc := index (include "kessai.services" .root | fromYaml) .key }}
{{- printf "http://%s:%v" (include "kessai.componentName" .) $svc.port }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "kessai.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "kessai.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kessai
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one service's objects. Args: dict "root" . "key" "auth" */}}
{{- define "kessai.componentLabels" -}}
{{ include "kessai.labels" .root }}
app.kubernetes.io/component: {{ (index (include "kessai.services" .root | fromYaml) .key).name }}
{{- end }}

{{/* Selector labels: no version, so that a Deployment's immutable selector survives every upgrade. */}}
{{- define "kessai.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kessai.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ (index (include "kessai.services" .root | fromYaml) .key).name }}
{{- end }}

{{/* Selector of every pod of the release. */}}
{{- define "kessai.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "kessai.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kessai.image" -}}
{{- $svc := index .root.Values .key }}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.image.tag) $svc.image.tag }}
{{- if $svc.image.digest }}
{{- printf "%s/%s@%s" .root.Values.image.registry $svc.image.repository $svc.image.digest }}
{{- else }}
{{- printf "%s/%s:%s" .root.Values.image.registry $svc.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The Secret with a service's own secrets. */}}
{{- define "kessai.secretName" -}}
{{- $svc := index .root.Values .key }}
{{- default (include "kessai.componentName" .) $svc.existingSecret }}
{{- end }}

{{- define "kessai.databaseSecretName" -}}
{{- $svc := index .root.Values .key }}
{{- default (default (printf "%s-db" (include "kessai.fullname" .root)) .root.Values.database.existingSecret) $svc.database.existingSecret }}
{{- end }}

{{- define "kessai.signingKeysSecretName" -}}
{{- default (printf "%s-auth-signing-keys" (include "kessai.fullname" .)) .Values.auth.signingKeys.existingSecret }}
{{- end }}

{{- define "kessai.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}
{{- include "kessai.componentName" . }}
{{- else }}
{{- "default" }}
{{- end }}
{{- end }}

{{/* The environment variable carrying a service client's secret in auth-service. */}}
{{- define "kessai.clientSecretEnv" -}}
{{- printf "KESSAI_SERVICE_CLIENT_SECRET_%s" (. | upper | replace "-" "_" | replace "." "_") }}
{{- end }}
