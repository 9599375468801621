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
_.returned_by  # ProgressUpdate: who returned it for changes (_sign_off_status.html)
_.opened_by  # UpdateRound (round_detail.html)
_.signed_off  # ReturnSummary: counts read by status name (getattr)
_.not_required
_.answer  # SignOffForm's field
_.label_from_instance  # Django's ModelChoiceField calls it (DecisionForm)
_._history_user  # django-simple-history reads it: who made the change
_.abstract  # Model Meta option (Notification)
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
_.is_brought_forward  # Action (_my_actions_group.html, action_detail.html)
_.brings_forward  # ProgressUpdate (action_detail.html)
_.delivered_late  # ProgressUpdateForm's field, read from cleaned_data by name
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

# Generated columns read only in lookups named in strings (actionplan.search).
_.search_document  # Action, Owner, ProgressUpdate: search_document__word_prefix
WordPrefix  # registered on SearchDocumentField by its decorator

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
_.fetch
_.generated_at  # actionplan.MeetingPaper: shown by _paper_status.html
_.generated_by
_.published_at
_.published_by
_.regex  # actionplan.urls: a path converter's, read by Django
_.to_url
_.space_after  # python-docx styles, sections and tables (actionplan.word)
_.orientation
_.top_margin
_.bottom_margin
_.rgb
_.autofit
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
django_db_setup
admin_with_email

# The API (actionplan/api.py, partnerships/api.py, indicators/api.py; settings.REST_FRAMEWORK names
# its classes): SerializerMethodField's get_<field> methods, filters named only as parameters, and
# what DRF's throttle reads back.
_.TokenAuthentication  # actionplan.api_auth, named in settings
_.PerTokenThrottle
_.Pagination  # config.api_formats, named in settings
_.TokenScheme  # drf-spectacular finds its extensions by subclass
_.get_label
_.get_accountable
_.get_responsible
_.get_latest_update
_.get_web_url
_.get_as_at
_.get_signed_off_at
_.get_author
_.get_rag
_.get_computed_rag
_.action_code
_.reported_from
_.date_from
_.date_to
_.num_requests  # SimpleRateThrottle
_.duration
_.accepted_media_type
_.auto_schema
# Read by templates: the tokens page, the public pages.
_.last_used_at
_.is_revoked
_.public_accountable
_.public_responsible
_.public_update
