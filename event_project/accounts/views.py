"""HTTP endpoints of accounts: register, login, refresh (rotation), logout, me (read, delete). Thin: they call `services`."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from eventhub_common.rate_limits import describe_rate
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import UNAUTHENTICATED, VALIDATION_ERROR, error_response

from . import limits, selectors, services
from .serializers import (
    LoginSerializer,
    PasswordConfirmationSerializer,
    RefreshRequestSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)

RATE_LIMITED = error_response(
    "Too many login attempts from this network, or too many failures for this account; see `Retry-After`.",
    "rate_limited",
    "Too many attempts; retry in 42 seconds.",
    429,
)

REGISTRATIONS_LIMITED = error_response(
    "Too many registrations from this network; see `Retry-After`.",
    "rate_limited",
    "Too many attempts; retry in 42 seconds.",
    429,
)


class RegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        summary="Register a user",
        request=RegisterSerializer,
        description="At most `REGISTRATION_RATE_LIMIT` (10 an hour) registrations per client IP (IPv6: per /64).",
        responses={201: UserSerializer, 400: VALIDATION_ERROR, 429: REGISTRATIONS_LIMITED},
        examples=[
            OpenApiExample(
                "register",
                value={"username": "ada_l", "email": "ada@example.com", "password": "Analyt1cal!", "full_name": "Ada"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        limits.check_registration(request)
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        summary="Log in with username or email",
        description=(
            f"At most {describe_rate(settings.LOGIN_RATE_LIMIT)} attempts per client IP (IPv6: per /64; "
            "`LOGIN_RATE_LIMIT`), successful or not, and none for the rest of the window after an account's "
            f"failures reach {describe_rate(settings.LOGIN_FAILURE_LIMIT)} (`LOGIN_FAILURE_LIMIT`), "
            "whether or not the account exists."
        ),
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            400: VALIDATION_ERROR,
            401: error_response("Wrong username, email or password.", "invalid_credentials", "Invalid credentials.", 401),
            429: RATE_LIMITED,
        },
        examples=[
            OpenApiExample("by username", value={"username": "ada_l", "password": "Analyt1cal!"}, request_only=True),
            OpenApiExample("by email", value={"email": "ada@example.com", "password": "Analyt1cal!"}, request_only=True),
        ],
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        limits.check_login_attempt(request, str(data.get("email") or data.get("username") or ""))
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.log_in(request, **serializer.validated_data, rate_checked=True))


class RefreshApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        summary="Exchange a refresh token for new tokens (rotation)",
        description=(
            "Returns a new access token and a new refresh token; the refresh token sent is refused from then on "
            "(`token_revoked`), as is one of a deactivated or deleted user (`user_inactive`)."
        ),
        request=RefreshRequestSerializer,
        responses={200: TokenPairSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        serializer = RefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.refresh_tokens(serializer.validated_data["refresh"]))


class LogoutApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        summary="Log out: revoke a refresh token",
        description="Idempotent. The access token stays valid until it expires (at most 30 minutes).",
        request=RefreshRequestSerializer,
        responses={204: None, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        serializer = RefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.log_out(serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(tags=["auth"], summary="The authenticated user", responses={200: UserSerializer, 401: UNAUTHENTICATED})
    def get(self, request):
        return Response(UserSerializer(selectors.user_profile(request.user)).data)

    @extend_schema(
        tags=["auth"],
        summary="Delete one's own account",
        description="Needs the password. The user's events are deleted too, each with its `event.deleted` notification.",
        request=PasswordConfirmationSerializer,
        responses={204: None, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def delete(self, request):
        serializer = PasswordConfirmationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.delete_account(user=selectors.user_profile(request.user), password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
