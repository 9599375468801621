# The production image: gunicorn serves Django, the same image runs the Celery worker and beat.
# Built by docker-compose.yml; static files are collected at build time and served by WhiteNoise.
# tests/test_production_smoke.py runs this file's static build and collectstatic steps, then the
# compose file's web command, so keep those steps single RUN lines.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/build-static.sh ./
COPY static/scss ./static/scss
# The same build as `make static`: GOV.UK Frontend's Sass with Arial, its JS and images.
RUN sh build-static.sh node_modules static/scss/govuk-frontend.scss govuk

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# WeasyPrint (board reports as PDF) lays text out with Pango.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY config ./config
COPY actionplan ./actionplan
COPY partnerships ./partnerships
COPY indicators ./indicators
RUN pip install .
COPY . .
COPY --from=assets /build/govuk ./static/govuk
# collectstatic needs settings but no database; production settings refuse a short or known
# secret key, so the build gets a random one that is thrown away with this layer's shell.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" python manage.py collectstatic --noinput
# Uploads (MEDIA_ROOT; a volume in docker-compose.yml, which takes this owner and mode): private.
RUN useradd --system --home /app hwb && mkdir -m 700 -p media && chown -R hwb /app
USER hwb
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
