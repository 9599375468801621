# Overdue flags, sent notifications, board digests; owners' contact lists and reminder opt-out.
import django.db.models.deletion
from django.db import migrations, models

import actionplan.models


class Migration(migrations.Migration):
    dependencies = [("actionplan", "0005_progress_cache")]

    operations = [
        migrations.AddField(
            model_name='historicalowner',
            name='contact_emails',
            field=models.TextField(blank=True, help_text='For a group or organisation: the addresses its reminders go to, one a line.', validators=[actionplan.models.validate_email_list], verbose_name='contact e-mail addresses'),
        ),
        migrations.AddField(
            model_name='historicalowner',
            name='reminders_opt_out',
            field=models.BooleanField(default=False, help_text='Stop the daily reminder e-mails. Escalations of overdue actions are still sent.', verbose_name='no reminder e-mails'),
        ),
        migrations.AddField(
            model_name='owner',
            name='contact_emails',
            field=models.TextField(blank=True, help_text='For a group or organisation: the addresses its reminders go to, one a line.', validators=[actionplan.models.validate_email_list], verbose_name='contact e-mail addresses'),
        ),
        migrations.AddField(
            model_name='owner',
            name='reminders_opt_out',
            field=models.BooleanField(default=False, help_text='Stop the daily reminder e-mails. Escalations of overdue actions are still sent.', verbose_name='no reminder e-mails'),
        ),
        migrations.CreateModel(
            name='BoardDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sent_on', models.DateField()),
                ('since', models.DateTimeField()),
                ('until', models.DateTimeField()),
                ('sent_to', models.TextField(blank=True)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='digests', to='actionplan.plan')),
            ],
            options={
                'ordering': ['-until'],
                'get_latest_by': 'until',
                'constraints': [models.UniqueConstraint(fields=('plan', 'sent_on'), name='one_digest_a_day')],
            },
        ),
        migrations.CreateModel(
            name='OverdueFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_date', models.DateField(verbose_name='due date missed')),
                ('flagged_at', models.DateTimeField()),
                ('cleared_at', models.DateTimeField(blank=True, null=True)),
                ('action', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='overdue_flags', to='actionplan.action')),
            ],
            options={
                'ordering': ['-flagged_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('cleared_at__isnull', True)), fields=('action',), name='one_open_overdue_flag')],
            },
        ),
        migrations.CreateModel(
            name='SentNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('due_30', 'Due within 30 days'), ('due_7', 'Due within 7 days'), ('due_1', 'Due tomorrow or today'), ('overdue', 'Overdue'), ('stale', 'No recent progress update'), ('escalation', 'Overdue for more than 28 days (escalated)')], max_length=20)),
                ('period', models.DateField()),
                ('claim', models.UUIDField(db_index=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('sent_to', models.TextField(blank=True)),
                ('action', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='actionplan.action')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='actionplan.owner')),
            ],
            options={
                'ordering': ['-created_at'],
                'constraints': [models.UniqueConstraint(fields=('owner', 'action', 'kind', 'period'), name='notify_once')],
            },
        ),
    ]
