#include "biomatch/server/subscription.h"

#include <algorithm>
#include <cmath>

#include "biomatch/engine/tokenize.h"
#include "biomatch/engine/validate.h"

namespace biomatch::server {
namespace {

using engine::Status;

std::string Indexed(std::string_view field, std::size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

Status CheckIds(const std::vector<std::string>& ids, std::string_view field) {
  if (ids.size() > kMaxSubscriptionIds) {
    return Status::InvalidArgument(std::string(field), "has more than " + std::to_string(kMaxSubscriptionIds) + " ids");
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (Status s = engine::ValidateId(ids[i], Indexed(field, i)); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

std::size_t EventTypeIndex(std::string_view type) {
  return static_cast<std::size_t>(std::find(std::begin(kEventTypes), std::end(kEventTypes), type) -
                                  std::begin(kEventTypes));
}

Status ValidateSubscription(const Subscription& s) {
  for (std::size_t i = 0; i < s.types.size(); ++i) {
    if (EventTypeIndex(s.types[i]) == kEventTypeCount) {
      std::string names;
      for (const std::string_view t : kEventTypes) names += (names.empty() ? "" : ", ") + std::string(t);
      return Status::InvalidArgument(Indexed("types", i), "must be one of " + names);
    }
    if (std::find(s.types.begin(), s.types.begin() + static_cast<std::ptrdiff_t>(i), s.types[i]) !=
        s.types.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Status::InvalidArgument(Indexed("types", i), "is listed twice");
    }
  }
  if (s.category) {
    if (Status st = engine::ValidateCategory(*s.category); !st.ok()) return st;
  }
  if (s.region) {
    if (Status st = engine::ValidateRegion(*s.region); !st.ok()) return st;
  }
  if (s.keywords.size() > kMaxSubscriptionKeywords) {
    return Status::InvalidArgument("keywords", "has more than " + std::to_string(kMaxSubscriptionKeywords) + " keywords");
  }
  for (std::size_t i = 0; i < s.keywords.size(); ++i) {
    if (s.keywords[i].size() > kMaxKeywordBytes) {
      return Status::InvalidArgument(Indexed("keywords", i), "is longer than " + std::to_string(kMaxKeywordBytes) + " bytes");
    }
    std::vector<std::string> tokens;
    engine::Tokenize(s.keywords[i], &tokens);
    if (tokens.empty()) return Status::InvalidArgument(Indexed("keywords", i), "has no letters or digits to match");
  }
  if (Status st = CheckIds(s.platform_ids, "platform_ids"); !st.ok()) return st;
  if (Status st = CheckIds(s.requester_ids, "requester_ids"); !st.ok()) return st;
  if (s.min_score && !(*s.min_score >= 0 && *s.min_score <= 1)) {
    return Status::InvalidArgument("min_score", "must be a number from 0 to 1");
  }
  return Status::Ok();
}


}  // namespace biomatch::server
