// The control socket's protocol: one JSON object per line each way, shared by the server in the
// session and `cordon approvals`. Also the JSON form of a review item that the web page uses.
//
// Requests: {"op":"list"} {"op":"show","id":ID} {"op":"approve","id":ID,"scope":"once"|"session",
// "reason":R} {"op":"deny","id":ID,"reason":R} {"op":"watch"} {"op":"link","reviewer":NAME}.
// Replies: {"ok":true,...} with "items", "item", "effect" ("decided"|"awaiting_another") or
// "url"; {"ok":false,"code":C,"error":E,"hint":H} on failure. `watch` replies with one
// {"ok":true,"event":"items","items":[...]} line now and after every change of the queue.
// The reviewer never travels in a request: the server takes it from the peer's credentials.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "review/review_queue.h"

namespace cordon::review {

constexpr size_t kMaxRequestLine = 16 * 1024;
constexpr size_t kMaxReason = 1000;

enum class ControlOp { kList, kShow, kApprove, kDeny, kWatch, kLink };

struct ControlRequest {
  ControlOp op = ControlOp::kList;
  std::string id;                        // show, approve, deny
  GrantScope scope = GrantScope::kOnce;  // approve
  std::string reason;                    // approve, deny
  std::string reviewer;                  // link: the web reviewer's name (empty: the caller's)
};

// One request line (without its newline). Unknown ops, missing ids and bad scopes are errors.
Result<ControlRequest> parse_request(std::string_view line);
std::string encode_request(const ControlRequest& request);  // with the newline

// The item as both channels show it: id, session, argv, executable, cwd, rule, reason, score,
// level, reasons, reversible, reviewers_needed, approved_by, requested_at, deadline (RFC 3339,
// UTC, milliseconds) and deadline_ms (Unix milliseconds, for countdowns).
nlohmann::json item_json(const ReviewItem& item);
nlohmann::json items_json(const std::vector<ReviewItem>& items);

// {"ok":false,...} as a line. `code` is a word a client can test: not_found, invalid, refused,
// unsupported, internal.
std::string error_line(std::string_view code, const std::string& message,
                       const std::string& hint = "");
std::string error_line(const Error& error);
std::string json_line(const nlohmann::json& value);  // compact, invalid UTF-8 replaced

// A web reviewer's name, as `cordon approvals link --reviewer` and the page's tokens take it:
// 1-64 of [A-Za-z0-9._@-].
bool valid_reviewer_name(const std::string& name);

// A reason from a reviewer, made safe to store and show: control bytes become spaces, at most
// kMaxReason bytes.
std::string clean_reason(std::string_view reason);

// An argv as a shell would read it back, for display: plain words as they are, others in
// single quotes, and every control or non-ASCII-printable byte shown as \xHH, so a command
// from the box can never move a reviewer's cursor or hide part of itself.
std::string display_command(const std::vector<std::string>& argv);
// One text field (cwd, reason) with the same escaping and no quoting (base/terminal_text.h).
std::string display_text(std::string_view text);

std::string format_time(std::chrono::system_clock::time_point time);
const char* to_string(GrantScope scope);

}  // namespace cordon::review
