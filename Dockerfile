# One image for web, worker and beat (docker-compose.yml chooses the command).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN useradd --create-home --uid 1000 replydesk
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings but no secrets: a build-only key and DEBUG make them load.
RUN DEBUG=true SECRET_KEY=build-only REPLYDESK_VAR_DIR=/tmp/build-var python manage.py collectstatic --no-input -v 0 \
    && mkdir -p /app/var /anchors && chown replydesk /app/var /anchors
# /anchors: docker-compose mounts the audit anchors' volume there (for the worker only); a new named volume takes
# this directory's owner, so the worker, running as replydesk, can append to it.

USER replydesk
EXPOSE 8000
CMD ["gunicorn", "replydesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
