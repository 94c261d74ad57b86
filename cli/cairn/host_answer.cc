#include "cli/cairn/host_answer.h"

#include "core/api/cluster_codec.h"
#include "core/server/gateway.h"

namespace cairn::node {

std::string EncodeGatewayJson(const HostAnswer& answer) {
  if (const auto* r = std::get_if<server::Response>(&answer.response)) {
    return server::EncodeResponse(*r, answer.header);
  }
  // The host's own answers carry the header they were made with.
  if (const auto* h = std::get_if<api::HashResponse>(&answer.response)) {
    return api::EncodeHashResponse(*h);
  }
  return api::EncodeDefragmentResponse(
      std::get<api::DefragmentResponse>(answer.response));
}

}  // namespace cairn::node
