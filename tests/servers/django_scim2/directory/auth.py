"""Any bearer token is let in as a service account (not a row of the directory), as a deployment's
token check would; no token, and django-scim2 answers 401."""

from django.contrib.auth.models import AnonymousUser


class ServiceAccount(AnonymousUser):
    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True


class BearerToken:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("Authorization", "")
        request.user = ServiceAccount() if given.startswith("Bearer ") and given[7:] else AnonymousUser()
        return self.get_response(request)
