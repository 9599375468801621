# The production image: gunicorn serves Django, the same image runs the Celery worker and beat.
# Built by docker-compose.yml; static files are collected at build time and served by WhiteNoise.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/scss ./static/scss
# The same build as `make static`: GOV.UK Frontend's Sass with Arial, its JS and images.
RUN mkdir -p govuk/assets \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets/images node_modules/govuk-frontend/dist/govuk/assets/manifest.json govuk/assets/ \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js govuk/ \
 && npx sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
      --load-path=node_modules static/scss/govuk-frontend.scss govuk/govuk-frontend.min.css

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
# collectstatic needs settings but no secrets or database.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system --home /app hwb && chown -R hwb /app
USER hwb
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
