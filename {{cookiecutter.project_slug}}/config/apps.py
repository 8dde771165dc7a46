from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    # The admin site, with its sign-in limited per client (config/admin.py).
    default_site = "config.admin.AdminSite"
