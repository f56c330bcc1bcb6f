{{/*
The pod template shared by receiver and worker. Called with
(dict "root" $ "component" "receiver|worker" "mode" "serve|worker" "values" .Values.<component>).
*/}}
{{- define "dispatchd.podTemplate" -}}
{{- $root := .root }}
{{- $v := .values -}}
{{- $annotations := dict }}
{{- /* Rolls the pods when the chart-managed config changes; an existingConfigMap is not tracked. */}}
{{- if not $root.Values.existingConfigMap }}
{{- $_ := set $annotations "checksum/config" (include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum) }}
{{- end }}
{{- if $root.Values.metrics.podAnnotations }}
{{- $_ := set $annotations "prometheus.io/scrape" "true" }}
{{- $_ := set $annotations "prometheus.io/port" (toString $v.port) }}
{{- $_ := set $annotations "prometheus.io/path" "/metrics" }}
{{- end }}
{{- $annotations = merge $annotations (deepCopy $v.podAnnotations) -}}
metadata:
  labels:
    {{- include "dispatchd.selectorLabels" . | nindent 4 }}
    {{- with $v.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "dispatchd.serviceAccountName" $root }}
  # dispatchd talks to SCMs and Redis, never to the Kubernetes API.
  automountServiceAccountToken: false
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .component }}
      image: {{ include "dispatchd.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      {{- with $root.Values.image.command }}
      command:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      args: [{{ .mode | quote }}]
      ports:
        - name: http
          containerPort: {{ $v.port }}
          protocol: TCP
      env:
        - name: NODE_ENV
          value: production
        - name: PORT
          value: {{ $v.port | quote }}
        {{- include "dispatchd.redisEnv" $root | nindent 8 }}
        - name: DISPATCHD_CONFIG
          value: /etc/dispatchd/{{ $root.Values.configKey }}
        - name: DISPATCHD_DATA_DIR
          value: /var/lib/dispatchd
        # Below terminationGracePeriodSeconds (the chart checks): dispatchd exits on its own first.
        - name: DISPATCHD_SHUTDOWN_TIMEOUT
          value: {{ printf "%ds" (int $v.shutdownTimeoutSeconds) | quote }}
        # git and node write dotfiles under $HOME; the root filesystem is read-only.
        - name: HOME
          value: /tmp
        {{- with $root.Values.adminToken.existingSecret }}
        - name: DISPATCHD_ADMIN_TOKEN
          valueFrom:
            secretKeyRef:
              name: {{ . }}
              key: {{ $root.Values.adminToken.key }}
        {{- end }}
        {{- with $root.Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $v.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- $envFrom := concat $root.Values.envFrom $v.envFrom }}
      {{- with $envFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.probes }}
      startupProbe:
        httpGet: {path: {{ .startup.path }}, port: http}
        periodSeconds: {{ .startup.periodSeconds }}
        failureThreshold: {{ .startup.failureThreshold }}
      livenessProbe:
        httpGet: {path: {{ .liveness.path }}, port: http}
        initialDelaySeconds: {{ .liveness.initialDelaySeconds }}
        periodSeconds: {{ .liveness.periodSeconds }}
        timeoutSeconds: {{ .liveness.timeoutSeconds }}
        failureThreshold: {{ .liveness.failureThreshold }}
      readinessProbe:
        httpGet: {path: {{ .readiness.path }}, port: http}
        periodSeconds: {{ .readiness.periodSeconds }}
        timeoutSeconds: {{ .readiness.timeoutSeconds }}
        failureThreshold: {{ .readiness.failureThreshold }}
      {{- end }}
      {{- if and (eq .component "receiver") (gt (int $v.preStopSleepSeconds) 0) }}
      lifecycle:
        preStop:
          sleep:
            seconds: {{ $v.preStopSleepSeconds }}
      {{- end }}
      resources:
        {{- toYaml $v.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/dispatchd
          readOnly: true
        - name: data
          mountPath: /var/lib/dispatchd
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: config
      configMap:
        name: {{ include "dispatchd.configMapName" $root }}
        items:
          - key: {{ $root.Values.configKey }}
            path: {{ $root.Values.configKey }}
    - name: data
      emptyDir:
        {{- if eq .component "worker" }}
        sizeLimit: {{ $v.dataSizeLimit }}
        {{- else }}
        sizeLimit: 64Mi
        {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: {{ $root.Values.tmpSizeLimit }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
