# mailtrail: one process, one SQLite file under /var/lib/mailtrail.
FROM node:20-bookworm-slim
# better-sqlite3 builds from source when no prebuilt binary matches: give it a toolchain.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/mailtrail
COPY package.json package-lock.json ./
# npm ci's postinstall applies these (patch-package): they must be there before it runs.
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY scripts/build.js ./scripts/build.js
# Compiled once here (dist/, scripts/build.js): the relay runs as `node`, which cannot write /opt/mailtrail.
RUN node scripts/build.js
RUN mkdir -p /var/lib/mailtrail /var/log/mailtrail && chown -R node:node /var/lib/mailtrail /var/log/mailtrail
USER node
# 587 submission (STARTTLS), 465 submissions (implicit TLS), 25 inbound bounces, 8025 HTTP API.
EXPOSE 587 465 25 8025
ENTRYPOINT ["node", "bin/mailtrail.js"]
CMD ["start", "--config", "/etc/mailtrail/mailtrail.yaml"]
