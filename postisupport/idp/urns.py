"""Schema URNs of the identity API (RFC 7643 core plus our documented extensions).

Kept free of imports so that any layer can name them without loading pydantic.
"""

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LOGIN_EXTENSION = "urn:postisupport:scim:schemas:extension:login:1.0:User"
ORGANISATION_EXTENSION = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"
