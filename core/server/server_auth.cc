// Server: the auth calls and tokens. Every auth call is proposed through
// Raft (etcd applies them all through its log); an authentication is
// checked against the password hash first, on this member, and the token
// it yields is assigned by every member when the entry applies, so that
// any member accepts it until it expires there.

#include <utility>

#include "core/auth/token_store.h"
#include "core/server/server.h"
#include "core/util/check.h"

namespace cairn::server {

namespace {

// The auth call as it is proposed (passwords already hashed).
struct ToOp {
  template <typename T>
  std::optional<AuthOp> operator()(const T& r) const {
    if constexpr (std::is_constructible_v<AuthOp, T> &&
                  !std::is_same_v<T, api::AuthenticateRequest>) {
      return AuthOp(r);
    } else {
      return std::nullopt;
    }
  }
};

}  // namespace

Result<std::optional<auth::AuthInfo>> Server::ResolveAuth(
    const auth::Credentials& who) {
  if (who.token.empty()) {
    if (!sm_->auth().enabled()) return std::optional<auth::AuthInfo>();
    // Revision 0: no user ("user name is empty" where one is needed).
    if (who.cert_common_name.empty()) {
      return std::optional<auth::AuthInfo>(auth::AuthInfo{});
    }
    // etcd's AuthInfoFromTLS: the CN, at the current auth revision,
    // whether or not such a user exists (the permission check says).
    return std::optional<auth::AuthInfo>(auth::AuthInfo{
        .user = who.cert_common_name, .revision = sm_->auth().revision()});
  }
  std::optional<std::string> user = tokens_.Resolve(who.token, now_ms_);
  if (!user.has_value()) return auth::ErrInvalidAuthToken();
  return std::optional<auth::AuthInfo>(
      auth::AuthInfo{.user = *user, .revision = sm_->auth().revision()});
}

Result<std::string> Server::PasswordHashOf(const std::string& name) const {
  if (!sm_->auth().enabled()) return auth::ErrAuthNotEnabled();
  const auth::User* u = sm_->auth().FindUser(name);
  if (u == nullptr) return auth::ErrAuthFailed();
  if (u->no_password) {
    // Not one of etcd's rpctypes errors: its clients see gRPC Unknown.
    return Status(Code::kIOError,
                  "auth: authentication failed, password was given for no "
                  "password user");
  }
  return u->password_hash;
}

Status Server::CheckMaintenance(const auth::Credentials& creds) {
  Result<std::optional<auth::AuthInfo>> who = ResolveAuth(creds);
  Status s = who.status();
  if (who.ok() && who.value().has_value()) {
    s = sm_->auth().CheckAdmin(*who.value());
  }
  return AsMaintenanceError(s);
}

Status AsMaintenanceError(const Status& s) {
  if (s.ok()) return s;
  // etcd's maintenance server returns the auth package's own errors,
  // which reach the client as gRPC Unknown.
  std::string msg = s.message();
  constexpr std::string_view kPrefix = "etcdserver: ";
  if (msg.starts_with(kPrefix)) msg = "auth: " + msg.substr(kPrefix.size());
  return Status(Code::kIOError, std::move(msg));
}

void Server::SubmitAuth(uint64_t token, Request request,
                        std::optional<auth::AuthInfo> who) {
  const auth::PasswordHasher* hasher = config_.password_hasher;
  if (auto* a = std::get_if<api::AuthenticateRequest>(&request)) {
    std::string hash = std::move(a->verified_hash);
    if (hash.empty()) {
      Result<std::string> stored = PasswordHashOf(a->name);
      if (!stored.ok()) return Respond(token, stored.status());
      if (hasher == nullptr || !hasher->Verify(a->password, stored.value())) {
        return Respond(token, auth::ErrAuthFailed());
      }
      hash = std::move(stored).value();
    }
    AuthenticateOp op{.name = a->name,
                      .verified_hash = std::move(hash),
                      .token_prefix = auth::GenTokenPrefix(random_)};
    return ProposeWrite(token, AuthWriteRequest{.op = std::move(op)},
                        std::move(who));
  }
  // New passwords are hashed before they are proposed, unless the host
  // hashed them already.
  auto hash = [&](std::string& password, std::string& hashed) -> Status {
    if (!hashed.empty()) {
      password.clear();
      return Status::Ok();
    }
    if (hasher == nullptr) {
      return Status(Code::kFailedPrecondition,
                    "cairn: no password hasher configured");
    }
    Result<std::string> h = hasher->Hash(password);
    password.clear();
    if (!h.ok()) return h.status();
    hashed = std::move(h).value();
    return Status::Ok();
  };
  if (auto* u = std::get_if<api::AuthUserAddRequest>(&request)) {
    if (!u->no_password) {
      if (Status s = hash(u->password, u->hashed_password); !s.ok()) {
        return Respond(token, s);
      }
    }
    u->password.clear();
  } else if (auto* c =
                 std::get_if<api::AuthUserChangePasswordRequest>(&request)) {
    if (Status s = hash(c->password, c->hashed_password); !s.ok()) {
      return Respond(token, s);
    }
  } else if (const auto* g =
                 std::get_if<api::AuthRoleGrantPermissionRequest>(&request)) {
    // etcd 3.4 crashes on a grant without a permission; cairn refuses it.
    if (!g->has_perm) {
      return Respond(token, Status::InvalidArgument(
                                "cairn: role grant needs a permission"));
    }
  }
  std::optional<AuthOp> op = std::visit(ToOp{}, request);
  CAIRN_CHECK(op.has_value(), "not an auth call: %s",
              RequestName(request).c_str());
  ProposeWrite(token, AuthWriteRequest{.op = std::move(*op)}, std::move(who));
}

void Server::AfterAuthApplied(const AuthWriteRequest& req,
                              const Response& resp) {
  // etcd's token provider hooks: assign on authenticate, invalidate a
  // user's tokens when the user goes or its password changes, drop all
  // when auth is disabled.
  if (const auto* a = std::get_if<AuthenticateOp>(&req.op)) {
    const auto& r = std::get<api::AuthenticateResponse>(resp);
    tokens_.Assign(r.token, a->name, now_ms_);
  } else if (const auto* d = std::get_if<api::AuthUserDeleteRequest>(&req.op)) {
    tokens_.InvalidateUser(d->name);
  } else if (const auto* c =
                 std::get_if<api::AuthUserChangePasswordRequest>(&req.op)) {
    tokens_.InvalidateUser(c->name);
  } else if (std::holds_alternative<api::AuthDisableRequest>(req.op)) {
    tokens_.Clear();
  }
}

}  // namespace cairn::server
