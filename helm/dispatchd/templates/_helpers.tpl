{{/* Names are cut at 63 characters: Kubernetes refuses longer DNS labels. */}}
{{- define "dispatchd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "dispatchd.fullname" -}}
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

{{/* Component names leave room for the suffix so both stay within 63 characters. */}}
{{- define "dispatchd.receiverName" -}}
{{- printf "%s-receiver" (include "dispatchd.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}
{{- define "dispatchd.workerName" -}}
{{- printf "%s-worker" (include "dispatchd.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}
{{- define "dispatchd.redisName" -}}
{{- printf "%s-redis" (include "dispatchd.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}
{{- define "dispatchd.configMapName" -}}
{{- default (printf "%s-config" (include "dispatchd.fullname" . | trunc 56 | trimSuffix "-")) .Values.existingConfigMap }}
{{- end }}

{{- define "dispatchd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dispatchd.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "dispatchd.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "dispatchd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels never change after install: a Deployment's selector is immutable. */}}
{{- define "dispatchd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dispatchd.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "dispatchd.componentLabels" -}}
{{ include "dispatchd.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "dispatchd.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Refuse values that would deploy pods that can only crash: dispatchd needs a Redis and, with
NODE_ENV=production, a config file.
*/}}
{{- define "dispatchd.validate" -}}
{{- $r := .Values.redis }}
{{- if and $r.enabled (or $r.url $r.existingSecret) }}
{{- fail "redis: set either redis.enabled=true (the chart's own Redis) or redis.url / redis.existingSecret (an external one), not both" }}
{{- end }}
{{- if and $r.sentinel.enabled (or $r.enabled $r.url $r.existingSecret) }}
{{- fail "redis: redis.sentinel.enabled=true names the Redis through its sentinels; remove redis.enabled / redis.url / redis.existingSecret, not both" }}
{{- end }}
{{- if and $r.sentinel.enabled (empty $r.sentinel.hosts) }}
{{- fail "redis.sentinel.hosts: list the sentinels (host:port) that redis.sentinel.enabled=true asks for the master" }}
{{- end }}
{{- if not (or $r.enabled $r.url $r.existingSecret $r.sentinel.enabled) }}
{{- fail "redis: dispatchd needs Redis; set redis.url (or redis.existingSecret) to an external Redis, or redis.enabled=true to run the chart's own, or redis.sentinel.enabled=true with redis.sentinel.hosts for one behind Sentinel" }}
{{- end }}
{{- if and (not .Values.existingConfigMap) (empty .Values.config) }}
{{- fail "config: dispatchd refuses to start in production without a config file; set config (the YAML as values) or existingConfigMap (a ConfigMap you manage)" }}
{{- end }}
{{- if and (kindIs "map" .Values.config) (hasKey .Values.config "shutdownTimeout") }}
{{- fail "config.shutdownTimeout: set receiver.shutdownTimeoutSeconds / worker.shutdownTimeoutSeconds instead; the chart passes them as DISPATCHD_SHUTDOWN_TIMEOUT (which wins over the config) and checks terminationGracePeriodSeconds against them" }}
{{- end }}
{{- /* dispatchd exits within shutdownTimeout + 5 s of SIGTERM (docs/reliability.md); Kubernetes must not SIGKILL it earlier. */}}
{{- range $component := list "receiver" "worker" }}
{{- $v := index $.Values $component }}
{{- $preStop := 0 }}
{{- if eq $component "receiver" }}{{ $preStop = int $v.preStopSleepSeconds }}{{ end }}
{{- $needed := add $preStop (int $v.shutdownTimeoutSeconds) 5 }}
{{- if lt (int $v.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "%s.terminationGracePeriodSeconds (%d) must be at least %d: %sshutdownTimeoutSeconds (%d) + 5 s for the forced close, or Kubernetes may SIGKILL dispatchd before its bounded shutdown ends" $component (int $v.terminationGracePeriodSeconds) (int $needed) (ternary (printf "preStopSleepSeconds (%d) + " $preStop) "" (eq $component "receiver")) (int $v.shutdownTimeoutSeconds)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
REDIS_URL: a redis+sentinel:// URL naming the sentinels (passwords from the Secret as
REDIS_PASSWORD / REDIS_SENTINEL_PASSWORD, which the app puts into that URL), or from a Secret,
a plain URL, or the chart's own Redis Service.
*/}}
{{- define "dispatchd.redisEnv" -}}
- name: REDIS_URL
{{- $s := .Values.redis.sentinel }}
{{- if $s.enabled }}
{{- $hosts := list }}
{{- range $s.hosts }}{{ $hosts = append $hosts (ternary . (printf "%s:26379" .) (regexMatch ":[0-9]+$" .)) }}{{ end }}
  value: {{ printf "redis+sentinel://%s/%s%s" (join "," $hosts) $s.masterName (ternary (printf "?minReplicasToAck=%d" (int $s.minReplicasToAck)) "" (gt (int $s.minReplicasToAck) 0)) | quote }}
{{- with $s.existingSecret }}
{{- if $s.passwordKey }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s.passwordKey }}
{{- end }}
{{- if $s.sentinelPasswordKey }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s.sentinelPasswordKey }}
{{- end }}
{{- end }}
{{- else if .Values.redis.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretKey }}
{{- else if .Values.redis.url }}
  value: {{ .Values.redis.url | quote }}
{{- else }}
  value: {{ printf "redis://%s:6379" (include "dispatchd.redisName" .) | quote }}
{{- end }}
{{- end }}
