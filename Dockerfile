# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# git: GitOps checkouts and pushes. ca-certificates: HTTPS to SCMs and registries. Redis is
# external in production (REDIS_URL), so redis-server is not installed here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8080 \
    DISPATCHD_DATA_DIR=/var/lib/dispatchd \
    HOME=/tmp
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY scripts/git-post-receive.mjs ./scripts/git-post-receive.mjs
RUN ln -s /app/dist/src/cli/main.js /usr/local/bin/dispatchd \
 && chmod 0755 /app/dist/src/cli/main.js \
 && mkdir -p /var/lib/dispatchd && chown 1000:1000 /var/lib/dispatchd
# The node image's unprivileged user (uid 1000), as the Helm chart's securityContext expects.
USER 1000:1000
EXPOSE 8080
# tini forwards SIGTERM so in-flight jobs finish or are handed back before exit.
ENTRYPOINT ["/usr/bin/tini", "--", "dispatchd"]
CMD ["start"]
