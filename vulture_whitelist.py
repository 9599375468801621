"""What vulture (make lint) cannot see used: names read by templates, by Django or a library by
name, and model fields only named in strings. Conventions (Meta, admin options, clean_<field>,
Command…) are in pyproject.toml's [tool.vulture]. Anything else it finds unused is dead: remove it.
"""

# ruff: noqa: B018, F821

# Model fields named only in strings (F("…"), update(…), fixtures) or read only by templates.
_.due_soon_days  # Plan
_.progress_rag  # Action: its copy of its latest progress (querysets.PROGRESS_CACHE)
_.progress_reported_on
_.progress_revised_due_date
_.progress_completed_on
_.flagged_at  # OverdueFlag
_.sent_at  # SentNotification
_.sent_to  # SentNotification, BoardDigest
_.actual_text  # indicators.IndicatorValue, its form
_.decision_text  # indicators.ExceptionRecord
_.code_as_written  # indicators.AscofMeasure
_.comparator_period  # indicators.HeadlineTile
_.other_names  # partnerships.Partnership, its form
_.website_note
_.governance
_.key_achievements

# Read by templates.
_.latest_rag  # Action: with_progress()'s annotation, named in strings
_.next_meeting_on  # partnerships: Partnership, with_next_meeting()
_.inherits_accountable  # actionplan: Action (action_detail.html, _action_row.html)
_.inherits_responsible
_.who_display  # AuditEntry
_.revisions  # reminders.PlanChanges (emails/board_digest.*)
_.by_accountable  # PlanDashboard (dashboard.html)
_.by_responsible
_.by_organisation
_.more  # Ranking (_owner_counts.html)
_.outcome_rating  # ExceptionReport's Red indicators (exception_report.html)
_.rag_counts  # RagSummary (dashboard.html); indicators' dashboard
_.short_label  # indicators: Period
_.entered_by_display  # IndicatorValue
_.target_display  # indicators.views
_.previous_rating
_.disagrees
_.profile_sections  # partnerships: Partnership (partnership_detail.html)
_.sublist  # partnerships.sections (_list.html)

# Read by Django or a library by name.
_.short_text  # admin list_display callables
_.help_text  # a form field's, rendered by its template
_.due_from  # django-filter filters, by query parameter
_.due_to
_.file  # PlanUploadForm's field, by upload name
_.actions_removed  # PlanReport: the upload preview lists them
_.output_field  # query expression (indicators.querysets.DayNumber)
_.font  # openpyxl cells and sheets
_.number_format
_.data_type
_.alignment
_.freeze_panes
headers  # WeasyPrint's URLFetcher.fetch(url, headers=…), overridden in actionplan.pdf
env_str  # config.env: read by config/settings.py, which vulture does not scan
env_bool
env_int
env_list
production_secret_key  # config.env, read by settings
_.claimed_at  # SentNotification: named in filters and updates (reminders.claim)
_.can_delete  # admin inline option
_.receive_data_chunk  # uploads.PlanUploadHandler: Django's FileUploadHandler callbacks
_.file_complete
_.upload_interrupted
_.csrf_processing_done  # HttpRequest attributes Django reads (views.upload_plan)
_.upload_handlers
_.field_class  # django-filter: the form field a filter builds (filters.DateFilter)
_.value_from_datadict  # Django widget and field hooks (config.presentation's date input)
_.has_changed
navigation  # config.presentation: a context processor named in settings.TEMPLATES
_.full_history  # admin: a list_display column
_refuse_deleting_reported_progress  # a pre_delete receiver (connected by its decorator)
sender  # signal receivers' argument
ClientErrorsWithoutTraceback  # config.log_filters: named in settings.LOGGING
_.exc_text  # logging.LogRecord
no_store_when_signed_in  # config.middleware: named in settings.MIDDLEWARE
LoginRequired
CompressedPages
_recount_after_removing  # a post_delete receiver (connected by its decorator)
_.handle_starttag  # html.parser.HTMLParser callbacks (tests)
_.handle_data
_.handle_endtag
_.broker_url  # Celery app configuration (tests)
_.autocommit  # a psycopg2 connection's (tests)
_.EMAIL_BACKEND  # pytest-django's settings fixture (tests)
_.EMAIL_HOST
_.EMAIL_PORT
_.EMAIL_TIMEOUT

# pytest fixtures asked for by name for what they set up.
behind_one_proxy
secret_plan
django_db_blocker
admin_with_email
