#include "core/server/gateway.h"

#include <type_traits>
#include <utility>
#include <variant>

#include "core/api/auth_codec.h"
#include "core/api/cluster_codec.h"
#include "core/api/response_encoder.h"

namespace cairn::server {

std::optional<Request> ToServerRequest(const api::GatewayRequest& req) {
  return std::visit(
      [](const auto& r) -> std::optional<Request> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, api::HashRequest> ||
                      std::is_same_v<T, api::DefragmentRequest>) {
          return std::nullopt;
        } else {
          return Request(r);
        }
      },
      req);
}

namespace {

// A response with an api::ResponseHeader: the answering member's header,
// keeping a revision the response set itself.
template <typename T>
T WithHeader(T resp, const api::ResponseHeader& header) {
  const int64_t own = resp.header.revision;
  resp.header = header;
  if (own != 0) resp.header.revision = own;
  return resp;
}

// The keyspace responses (and HashKV) take the header beside them and
// print their own revision in it.
template <typename T>
constexpr bool kKeyspaceResponse =
    std::is_same_v<T, mvcc::RangeResponse> ||
    std::is_same_v<T, mvcc::PutResponse> ||
    std::is_same_v<T, mvcc::DeleteRangeResponse> ||
    std::is_same_v<T, mvcc::TxnResponse> ||
    std::is_same_v<T, mvcc::CompactionResponse> ||
    std::is_same_v<T, mvcc::HashKVResponse>;

std::string EncodeKeyspace(const Response& resp, const api::ResponseHeader& h) {
  if (const auto* r = std::get_if<mvcc::RangeResponse>(&resp)) {
    return api::EncodeRangeResponse(*r, h);
  }
  if (const auto* r = std::get_if<mvcc::PutResponse>(&resp)) {
    return api::EncodePutResponse(*r, h);
  }
  if (const auto* r = std::get_if<mvcc::DeleteRangeResponse>(&resp)) {
    return api::EncodeDeleteRangeResponse(*r, h);
  }
  if (const auto* r = std::get_if<mvcc::TxnResponse>(&resp)) {
    return api::EncodeTxnResponse(*r, h);
  }
  if (const auto* r = std::get_if<mvcc::CompactionResponse>(&resp)) {
    return api::EncodeCompactionResponse(*r, h);
  }
  return api::EncodeHashKVResponse(std::get<mvcc::HashKVResponse>(resp), h);
}

}  // namespace

std::string EncodeResponse(const Response& resp, const api::ResponseHeader& h) {
  return std::visit(
      [&](const auto& r) -> std::string {
        using T = std::decay_t<decltype(r)>;
        if constexpr (kKeyspaceResponse<T>) {
          return EncodeKeyspace(resp, h);
        } else if constexpr (std::is_same_v<T, api::LeaseGrantResponse>) {
          return api::EncodeLeaseGrantResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::LeaseRevokeResponse>) {
          return api::EncodeLeaseRevokeResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::LeaseTimeToLiveResponse>) {
          return api::EncodeLeaseTimeToLiveResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::LeaseLeasesResponse>) {
          return api::EncodeLeaseLeasesResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::LeaseKeepAliveResponse>) {
          return api::EncodeLeaseKeepAliveResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::MemberAddResponse>) {
          return api::EncodeMemberAddResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::MemberRemoveResponse>) {
          return api::EncodeMemberRemoveResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::MemberUpdateResponse>) {
          return api::EncodeMemberUpdateResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::MemberListResponse>) {
          return api::EncodeMemberListResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::MemberPromoteResponse>) {
          return api::EncodeMemberPromoteResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AlarmResponse>) {
          return api::EncodeAlarmResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::StatusResponse>) {
          return api::EncodeStatusResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AuthResponse>) {
          return api::EncodeAuthResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AuthenticateResponse>) {
          return api::EncodeAuthenticateResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AuthUserGetResponse>) {
          return api::EncodeAuthUserGetResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AuthUserListResponse>) {
          return api::EncodeAuthUserListResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AuthRoleGetResponse>) {
          return api::EncodeAuthRoleGetResponse(WithHeader(r, h));
        } else if constexpr (std::is_same_v<T, api::AuthRoleListResponse>) {
          return api::EncodeAuthRoleListResponse(WithHeader(r, h));
        } else {
          static_assert(std::is_same_v<T, api::MoveLeaderResponse>,
                        "every response type is encoded");
          return api::EncodeMoveLeaderResponse(WithHeader(r, h));
        }
      },
      resp);
}

}  // namespace cairn::server
