# Pipeline Service on the official Bun image: production dependencies only, non-root.
FROM oven/bun:1.4.5-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    PIPELINE_JSONL_PATH=/data/pipeline_data.jsonl

# Bun reads package-lock.json when there is no bun.lock, so the versions are the lockfile's.
COPY package.json package-lock.json ./
RUN bun install --production --ignore-scripts

COPY src ./src
COPY sql ./sql
COPY tsconfig.json ./

RUN mkdir -p /data && chown bun:bun /data
VOLUME ["/data"]
USER bun
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD bun -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["bun", "src/server.ts"]
