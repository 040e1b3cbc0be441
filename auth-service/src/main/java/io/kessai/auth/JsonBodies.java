package io.kessai.auth;

import io.kessai.auth.email.EmailRequest;
import io.kessai.auth.factor.FactorRequest;
import io.kessai.auth.login.LoginRequest;
import io.kessai.auth.oidc.TokenResource;
import io.kessai.auth.ops.OpsSigningKeyResource;
import io.kessai.auth.registration.RegistrationRequest;
import io.kessai.auth.reset.PasswordResetRequest;
import io.kessai.auth.till.TillRequest;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The JSON bodies of this service that Quarkus cannot find by itself, registered for reflection so that Jackson can
 * read and write them in a native executable: Quarkus registers the types in REST resource and client signatures, but
 * not the entity of a {@code Response} (docs/native.md). A record's own field types come along
 * ({@code registerFullHierarchy}).
 */
@RegisterForReflection(registerFullHierarchy = true, targets = {
        // Response entities: the token endpoint (RFC 6749 shapes), sign-in, step-up and enrolment answers.
        TokenResource.TokenResponse.class, TokenResource.RefreshResponse.class, TokenResource.TokenError.class,
        LoginRequest.SessionView.class, LoginRequest.ChallengeView.class, LoginRequest.SmsSent.class,
        FactorRequest.StepUpToken.class, FactorRequest.SmsChallenge.class, FactorRequest.TotpEnrollment.class,
        FactorRequest.TotpConfirmed.class, FactorRequest.RecoveryCodesView.class,
        RegistrationRequest.Started.class, EmailRequest.Started.class, PasswordResetRequest.Started.class,
        TillRequest.Issued.class, OpsSigningKeyResource.Rotated.class
})
final class JsonBodies {

    private JsonBodies() {
    }
}
