"""The models django-scim2's documentation asks for: a user and a group with its SCIM mixins."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):
    name = models.CharField(max_length=150, unique=True)


class User(AbstractSCIMUserMixin, AbstractUser):
    # django-scim2's group adapter lists a group's members as group.user_set.
    member_of = models.ManyToManyField(Group, related_name="user_set", blank=True)

    @property
    def scim_groups(self):  # type: ignore[override]
        return self.member_of
