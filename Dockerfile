# vaultarr image: one image, three roles (api, worker, watcher) chosen by the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY domain domain
COPY lib lib
COPY activities activities
COPY workflows workflows
COPY workers workers
COPY watcher watcher
COPY api api
COPY cli cli
RUN npx tsc -b tsconfig.build.json && node dist/workers/build-bundle.js && npm prune --omit=dev

# The rclone vaultarr pins (lib/infra/rclone-binary.ts; scripts/bootstrap.sh builds the same one).
FROM golang:1.26-bookworm AS rclone
RUN CGO_ENABLED=0 GOBIN=/out go install github.com/rclone/rclone@v1.76.0

FROM node:20-bookworm-slim
# FUSE and mergerfs for the vault and the union; apprise for notifications
# (notifications.urls: without it the worker refuses to start); ffmpeg for ffprobe, which checks
# that a video container is whole before intake takes it (filefrag comes with e2fsprogs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fuse3 mergerfs apprise ffmpeg ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=rclone /out/rclone /usr/local/bin/rclone
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# Workers load the workflow bundle built above (dist/workflow-bundle.js).
COPY package.json ./
COPY db db
COPY bin bin
COPY scripts/docker-entrypoint.sh /usr/local/bin/vaultarr-entrypoint
ENV NODE_ENV=production VAULTARR_DATA_DIR=/data
ENTRYPOINT ["vaultarr-entrypoint"]
CMD ["api"]
