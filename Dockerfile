# pipemon runner image: the Python package plus the dbt project it runs.
# Cloud Run job entrypoint is `pipemon`; the job / scheduler pass the sub-command as args.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIPEMON_PROJECT_DIR=/app \
    DBT_PROFILES_DIR=/app/profiles \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False

WORKDIR /app

# Package first: dependency layers stay cached while models and tests change.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf build src/*.egg-info

# The dbt project (profiles hold no secrets: credentials come from the job's service account).
COPY dbt_project.yml selectors.yml ./
COPY profiles ./profiles
# alert routing (read from /app/config/alerts.yml) and the runbooks the alerts link to
COPY config ./config
COPY docs/runbooks ./docs/runbooks
COPY macros ./macros
COPY models ./models
COPY seeds ./seeds
COPY tests ./tests

# dbt's parse, paid once here instead of on every execution: target/partial_parse.msgpack.
# dbt reuses it only while the profile's environment is the same, so build with the values
# the job runs with (deploy.py sets PIPEMON_BQ_PROJECT and PIPEMON_BQ_DATASET on the job):
#   docker build --build-arg PIPEMON_BQ_PROJECT=$PROJECT -t $IMAGE .
# With other values the job still runs; dbt then parses in full (a few seconds) each time.
# The vars that change every run do not invalidate it (macros/pipemon_run_var.sql).
ARG PIPEMON_BQ_PROJECT=set-PIPEMON_BQ_PROJECT
ARG PIPEMON_BQ_DATASET=nba_monitoring
ARG PIPEMON_BQ_LOCATION=US
RUN PIPEMON_TARGET=bigquery PIPEMON_BQ_PROJECT=$PIPEMON_BQ_PROJECT \
    PIPEMON_BQ_DATASET=$PIPEMON_BQ_DATASET PIPEMON_BQ_LOCATION=$PIPEMON_BQ_LOCATION \
    dbt parse --quiet

# dbt writes target/ and logs/ next to the project: run as an unprivileged user who owns them.
RUN useradd --create-home --uid 10001 pipemon \
    && mkdir -p target logs \
    && chown -R pipemon target logs
USER pipemon

ENTRYPOINT ["pipemon"]
CMD ["--help"]
