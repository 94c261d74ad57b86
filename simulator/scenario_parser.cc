// ParseScenario: a hand-written lexer and recursive-descent parser for the
// scenario language (docs/scenarios.md, man/cairn-scenario.5).
//
// The file is parsed line by line: one statement per line, so the lexer
// turns one line into tokens and the parser reads one statement from them.
// The grammar has no nesting (a txn's lists are flat), so nothing recurses
// on the input and the only loops walk a line's tokens, whose count is
// bounded by the line length. Inputs are bounded too (kMaxFileBytes,
// kMaxLineBytes, kMaxStatements) so that a fuzzer cannot make the parser
// slow, and every number goes through a checked conversion.
//
// Errors are sticky: the first Fail() of a statement wins, and from then on
// every token read returns the end of the line, so the parse functions
// return quickly with placeholder values that nobody looks at. This keeps
// the grammar code free of error plumbing without exceptions.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/util/strings.h"
#include "simulator/scenario.h"

namespace cairn::sim::scenario {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxStatements = 10000;
// The longest duration anywhere: a simulated day. It keeps the runner's
// time arithmetic far from overflow.
constexpr Micros kMaxDuration = 24 * 60 * 60 * kSeconds;
constexpr uint64_t kMaxMemberId = 9;

constexpr const char* kCrashPoints[] = {"before-write", "after-write",
                                        "after-sync",   "after-send",
                                        "mid-apply",    "after-apply"};
constexpr const char* kMessageTypes[] = {
    "MsgApp",           "MsgAppResp",     "MsgVote",      "MsgVoteResp",
    "MsgPreVote",       "MsgPreVoteResp", "MsgHeartbeat", "MsgHeartbeatResp",
    "MsgSnap",          "MsgTimeoutNow",  "MsgReadIndex", "MsgReadIndexResp",
    "MsgTransferLeader"};
constexpr const char* kSetupKeywords[] = {
    "members",  "seed",         "tick",           "election",       "heartbeat",
    "pre-vote", "check-quorum", "snapshot-count", "request-timeout"};
constexpr const char* kActionKeywords[] = {
    "network",  "at",        "after",   "wait",   "expect",  "check", "let",
    "link",     "partition", "isolate", "cut",    "restore", "heal",  "crash",
    "kill",     "restart",   "pause",   "resume", "fail",    "skew",  "clock",
    "campaign", "drop",      "put",     "get",    "delete",  "txn",   "lease",
    "watch",    "cancel",    "compact", "member", "transfer"};
// Words that a condition or a member list gives a meaning to, so a `let`
// may not take them as names.
constexpr const char* kOtherReserved[] = {
    "leader",   "follower", "no", "term", "voters",
    "learners", "within",   "on", "none", "until"};

template <size_t N>
bool Contains(const char* const (&list)[N], std::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

bool IsReserved(std::string_view word) {
  return Contains(kSetupKeywords, word) || Contains(kActionKeywords, word) ||
         Contains(kOtherReserved, word);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsWordStart(char c) {
  return IsLetter(c) || IsDigit(c) || c == '_' || c == '.' || c == '/';
}
bool IsWordChar(char c) {
  return IsWordStart(c) || c == '-' || c == ':' || c == '@' || c == '+';
}
bool IsAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}
// Let, lease and watch names: a letter or `_`, then letters, digits, `_`
// and `-`.
bool IsName(std::string_view s) {
  if (s.empty() || !(IsLetter(s[0]) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsLetter(c) || IsDigit(c) || c == '_' || c == '-';
  });
}

// Checked decimal conversion: nullopt on anything but digits or on
// overflow.
std::optional<uint64_t> ToUint(std::string_view s) {
  if (!IsAllDigits(s)) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// A decimal number with an optional fraction, scaled by `unit` (the value
// of 1 in the result's units) into `out`: "1.5" at unit 1000 is 1500. It
// fails with kFraction when that is not a whole number of result units and
// with kTooLarge above `max`.
enum class ScaleError : uint8_t { kNone, kSyntax, kFraction, kTooLarge };
ScaleError ScaleDecimal(std::string_view s, uint64_t unit, uint64_t max,
                        uint64_t& out) {
  const size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (!IsAllDigits(whole)) return ScaleError::kSyntax;
  if (dot != std::string_view::npos && !IsAllDigits(frac)) {
    return ScaleError::kSyntax;
  }
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  const std::optional<uint64_t> w = ToUint(whole);
  if (!w || (unit != 0 && *w > max / unit)) return ScaleError::kTooLarge;
  uint64_t value = *w * unit;
  if (!frac.empty()) {
    // unit <= 6e7 and a fraction of at most 9 digits keep this in range.
    if (frac.size() > 9) return ScaleError::kFraction;
    uint64_t pow10 = 1;
    for (size_t i = 0; i < frac.size(); ++i) pow10 *= 10;
    const uint64_t scaled = *ToUint(frac) * unit;
    if (scaled % pow10 != 0) return ScaleError::kFraction;
    if (value > max - scaled / pow10) return ScaleError::kTooLarge;
    value += scaled / pow10;
  }
  if (value > max) return ScaleError::kTooLarge;
  out = value;
  return ScaleError::kNone;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// " (did you mean "crash"?)" when one candidate is close to `word`, else
// "".
std::string Suggest(std::string_view word,
                    const std::vector<std::string_view>& candidates) {
  if (word.size() > 40) return "";
  std::string_view best;
  size_t best_distance = 3;  // suggest only within two edits
  for (std::string_view candidate : candidates) {
    const size_t d = EditDistance(word, candidate);
    // Short words are close to everything: "m" is one edit from "l".
    const bool close = d * 3 <= std::max(candidate.size(), word.size());
    if (d < best_distance && close) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best.empty()) return "";
  return StrFormat(" (did you mean \"%.*s\"?)", static_cast<int>(best.size()),
                   best.data());
}

// ---- Lexer ---------------------------------------------------------------

enum class TokenKind : uint8_t { kWord, kString, kSymbol, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;      // a string's decoded bytes; else as written
  std::string_view raw;  // as written (with quotes)
  int col = 0;           // 1-based, of the first byte
};

struct LexedLine {
  std::vector<Token> tokens;  // always ends with a kEnd token
  std::string_view code;      // the line before its comment, trimmed
  bool has_comment = false;
  std::string_view comment;  // after the '#'
};

struct Failure {
  int col = 1;
  std::string message;
};

std::string DescribeChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte > 0x20 && byte < 0x7f) return StrFormat("'%c'", c);
  return StrFormat("byte 0x%02X", byte);
}

// The symbols, longest first so that "<->" wins over "<=" and "<".
constexpr std::string_view kSymbols[] = {
    "<->", "->", "<=", ">=", "!=", "..", "<", ">", "=", "|", ",", "(", ")"};

// Lexes a quoted string starting at line[i] == '"'; advances i past it.
std::optional<Failure> LexString(std::string_view line, size_t& i,
                                 Token& token) {
  const size_t start = i++;
  for (;;) {
    if (i >= line.size()) {
      return Failure{static_cast<int>(start) + 1, "unterminated string"};
    }
    const char c = line[i];
    if (c == '"') break;
    if (c == '\\') {
      const char e = i + 1 < line.size() ? line[i + 1] : '\0';
      const char* decoded = e == '"'    ? "\""
                            : e == '\\' ? "\\"
                            : e == 'n'  ? "\n"
                            : e == 't'  ? "\t"
                                        : nullptr;
      if (decoded == nullptr) {
        if (i + 1 >= line.size()) {
          return Failure{static_cast<int>(start) + 1, "unterminated string"};
        }
        return Failure{static_cast<int>(i) + 1,
                       StrFormat("unknown escape \"\\%s\" in a string "
                                 "(use \\\", \\\\, \\n or \\t)",
                                 EscapeBytes(line.substr(i + 1, 1)).c_str())};
      }
      token.text += decoded;
      i += 2;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
      return Failure{static_cast<int>(i) + 1,
                     StrFormat("control character %s in a string (write "
                               "\\n or \\t)",
                               DescribeChar(c).c_str())};
    }
    token.text.push_back(c);
    ++i;
  }
  ++i;  // the closing quote
  token.kind = TokenKind::kString;
  token.raw = line.substr(start, i - start);
  return std::nullopt;
}

// A word; "1ms..5ms" is three tokens (a number-like word stops at ".."),
// "n1->n2" too (a word stops at "->"), and "10%" is one word.
void LexWord(std::string_view line, size_t& i, Token& token) {
  const size_t start = i++;
  const bool numeric = IsDigit(line[start]);
  while (i < line.size() && IsWordChar(line[i])) {
    const char next = i + 1 < line.size() ? line[i + 1] : '\0';
    if (line[i] == '-' && next == '>') break;
    if (numeric && line[i] == '.' && next == '.') break;
    ++i;
  }
  if (numeric && i < line.size() && line[i] == '%') ++i;
  token.kind = TokenKind::kWord;
  token.raw = line.substr(start, i - start);
  token.text = std::string(token.raw);
}

std::optional<Failure> Lex(std::string_view line, LexedLine& out) {
  size_t i = 0;
  size_t code_end = line.size();
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    if (c == '#') {
      code_end = i;
      out.has_comment = true;
      out.comment = line.substr(i + 1);
      break;
    }
    Token token;
    token.col = static_cast<int>(i) + 1;
    if (c == '"') {
      if (auto failure = LexString(line, i, token)) return failure;
    } else if (IsWordStart(c) && !line.substr(i).starts_with("..")) {
      LexWord(line, i, token);
    } else {
      const std::string_view* symbol = std::find_if(
          std::begin(kSymbols), std::end(kSymbols),
          [&](std::string_view s) { return line.substr(i).starts_with(s); });
      if (symbol == std::end(kSymbols)) {
        return Failure{token.col, StrFormat("unexpected character %s",
                                            DescribeChar(c).c_str())};
      }
      token.kind = TokenKind::kSymbol;
      token.raw = line.substr(i, symbol->size());
      token.text = std::string(*symbol);
      i += symbol->size();
    }
    out.tokens.push_back(std::move(token));
  }
  std::string_view code = line.substr(0, code_end);
  while (!code.empty() && (code.back() == ' ' || code.back() == '\t')) {
    code.remove_suffix(1);
  }
  const size_t lead = code.find_first_not_of(" \t");
  out.code =
      lead == std::string_view::npos ? std::string_view() : code.substr(lead);
  Token end;
  end.col = static_cast<int>(code.size()) + 1;
  out.tokens.push_back(std::move(end));
  return std::nullopt;
}

// "foo" for a word, the string as written, "the end of the line".
std::string Describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "the end of the line";
  std::string_view raw = token.raw;
  const bool is_long = raw.size() > 40;
  if (is_long) raw = raw.substr(0, 40);
  std::string shown = token.kind == TokenKind::kString
                          ? std::string(raw)
                          : "\"" + std::string(raw) + "\"";
  if (is_long) shown += "...";
  return shown;
}

}  // namespace

// ---- Parser ----------------------------------------------------------------

namespace {

constexpr const char* kDurationExpected = "a duration like 200ms or 1.5s";
constexpr const char* kMemberExpected =
    "a member (n1..n9, leader, follower or a name bound by let)";

class Parser {
 public:
  Parser(const std::string& file, const std::string& text)
      : file_(file), text_(text) {
    scenario_.file = file;
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  std::variant<Scenario, ParseError> Run();

 private:
  using Handler = std::optional<Action> (Parser::*)();
  struct Keyword {
    const char* name;
    bool setup;
    Handler handler;
  };
  static const Keyword kKeywords[];

  // ---- Lines and statements.
  std::optional<Failure> ParseLine(std::string_view line,
                                   std::vector<std::string>& pending);
  void ParseStatement(LexedLine& lexed, std::string narration);
  void FinishSetup();
  void SetHeader(const std::vector<std::string>& comments);
  ParseError MakeError(const Failure& failure) const;

  // ---- Tokens.
  const Token& Peek(size_t ahead = 0) const;
  const Token& Take();
  bool PeekWord(std::string_view word, size_t ahead = 0) const;
  bool AcceptWord(std::string_view word);
  bool AcceptSymbol(std::string_view symbol);
  void ExpectWord(std::string_view word);
  void ExpectEnd();
  void Fail(int col, std::string message);
  void FailGot(const Token& token, std::string_view expected);
  bool ok() const { return !failure_.has_value(); }

  // ---- Values.
  Micros TakeDuration(const char* what, bool positive);
  uint64_t TakeUint(const char* what, uint64_t min, uint64_t max);
  uint64_t TakePercent(const char* what, uint64_t unit, uint64_t min,
                       uint64_t max);
  std::string TakeText(const char* what, bool allow_empty);
  std::string TakeName(const char* what, bool is_member_name);
  std::string TakeBoundName(const std::set<std::string>& bound,
                            const char* what, const char* bound_by);
  MemberRef TakeMember();
  bool StartsMember(const Token& token) const;
  std::vector<MemberRef> TakeMemberList();
  Cmp TakeCmp(bool txn);
  bool TakeOnOff(const char* what);
  void TakeTicksWord();
  LinkChange TakeLinkSettings();
  void TakeLink(MemberRef& from, MemberRef& to, bool& both_ways,
                bool one_way_only);
  std::string TakeChoice(const char* what, const char* const* begin,
                         const char* const* end);

  // ---- Conditions (scenario_parser.cc, below).
  Condition TakeCondition();
  Condition TakeLeaderCondition();
  Condition TakeMemberCondition(MemberRef member);
  Condition TakeWatchCondition();
  Condition TakeMembersAre(bool learners);

  // ---- Setup statements: they return nullopt and fill scenario_.setup.
  std::optional<Action> SetupMembers();
  std::optional<Action> SetupSeed();
  std::optional<Action> SetupTick();
  std::optional<Action> SetupElection();
  std::optional<Action> SetupHeartbeat();
  std::optional<Action> SetupPreVote();
  std::optional<Action> SetupCheckQuorum();
  std::optional<Action> SetupSnapshotCount();
  std::optional<Action> SetupRequestTimeout();

  // ---- Actions.
  std::optional<Action> ParseNetwork();
  std::optional<Action> ParseAt();
  std::optional<Action> ParseAfter();
  std::optional<Action> ParseWait();
  std::optional<Action> ParseExpect();
  std::optional<Action> ParseCheck();
  std::optional<Action> ParseLet();
  std::optional<Action> ParseLinkStatement();
  std::optional<Action> ParsePartition();
  std::optional<Action> ParseIsolate();
  std::optional<Action> ParseCut();
  std::optional<Action> ParseRestore();
  std::optional<Action> ParseHeal();
  std::optional<Action> ParseCrash();
  std::optional<Action> ParseKill();
  std::optional<Action> ParseRestart();
  std::optional<Action> ParsePause();
  std::optional<Action> ParseResume();
  std::optional<Action> ParseFail();
  std::optional<Action> ParseSkew();
  std::optional<Action> ParseClock();
  std::optional<Action> ParseCampaign();
  std::optional<Action> ParseDrop();

  // ---- Client operations.
  std::optional<Action> ParsePut();
  std::optional<Action> ParseGet();
  std::optional<Action> ParseDelete();
  std::optional<Action> ParseTxn();
  std::optional<Action> ParseLease();
  std::optional<Action> ParseWatch();
  std::optional<Action> ParseCancel();
  std::optional<Action> ParseCompact();
  std::optional<Action> ParseMember();
  std::optional<Action> ParseTransfer();
  PutOp TakePutArgs();
  TxnCompare TakeTxnCompare();
  std::vector<TxnOp> TakeTxnOps();
  Action FinishClientOp(ClientRequest request);
  OpExpect TakeOpExpect();
  void CheckOpExpect(const ClientRequest& request, const OpExpect& expect,
                     const Token& what);

  const std::string& file_;
  const std::string& text_;
  Scenario scenario_;
  std::vector<std::string_view> lines_;
  int line_no_ = 0;

  // The statement being parsed.
  std::vector<Token> tokens_;
  size_t next_ = 0;
  std::optional<Failure> failure_;
  // Where a failure points when it is not the current line (the setup
  // check at the first action).
  int failure_line_ = 0;

  bool seen_statement_ = false;
  bool header_set_ = false;
  int first_action_line_ = 0;  // 0: still in the setup
  std::map<std::string, int, std::less<>> setup_lines_;
  std::set<std::string> let_names_;
  std::set<std::string> lease_names_;
  std::set<std::string> watch_names_;
  std::set<uint64_t> added_members_;
};

const Parser::Keyword Parser::kKeywords[] = {
    {"members", true, &Parser::SetupMembers},
    {"seed", true, &Parser::SetupSeed},
    {"tick", true, &Parser::SetupTick},
    {"election", true, &Parser::SetupElection},
    {"heartbeat", true, &Parser::SetupHeartbeat},
    {"pre-vote", true, &Parser::SetupPreVote},
    {"check-quorum", true, &Parser::SetupCheckQuorum},
    {"snapshot-count", true, &Parser::SetupSnapshotCount},
    {"request-timeout", true, &Parser::SetupRequestTimeout},
    {"network", false, &Parser::ParseNetwork},
    {"at", false, &Parser::ParseAt},
    {"after", false, &Parser::ParseAfter},
    {"wait", false, &Parser::ParseWait},
    {"expect", false, &Parser::ParseExpect},
    {"check", false, &Parser::ParseCheck},
    {"let", false, &Parser::ParseLet},
    {"link", false, &Parser::ParseLinkStatement},
    {"partition", false, &Parser::ParsePartition},
    {"isolate", false, &Parser::ParseIsolate},
    {"cut", false, &Parser::ParseCut},
    {"restore", false, &Parser::ParseRestore},
    {"heal", false, &Parser::ParseHeal},
    {"crash", false, &Parser::ParseCrash},
    {"kill", false, &Parser::ParseKill},
    {"restart", false, &Parser::ParseRestart},
    {"pause", false, &Parser::ParsePause},
    {"resume", false, &Parser::ParseResume},
    {"fail", false, &Parser::ParseFail},
    {"skew", false, &Parser::ParseSkew},
    {"clock", false, &Parser::ParseClock},
    {"campaign", false, &Parser::ParseCampaign},
    {"drop", false, &Parser::ParseDrop},
    {"put", false, &Parser::ParsePut},
    {"get", false, &Parser::ParseGet},
    {"delete", false, &Parser::ParseDelete},
    {"txn", false, &Parser::ParseTxn},
    {"lease", false, &Parser::ParseLease},
    {"watch", false, &Parser::ParseWatch},
    {"cancel", false, &Parser::ParseCancel},
    {"compact", false, &Parser::ParseCompact},
    {"member", false, &Parser::ParseMember},
    {"transfer", false, &Parser::ParseTransfer},
};

// ---- Lines -----------------------------------------------------------------

std::string CommentText(std::string_view comment) {
  if (!comment.empty() && comment[0] == ' ') comment.remove_prefix(1);
  while (!comment.empty() &&
         (comment.back() == ' ' || comment.back() == '\t')) {
    comment.remove_suffix(1);
  }
  return std::string(comment);
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    out += lines[i];
  }
  return out;
}

std::variant<Scenario, ParseError> Parser::Run() {
  if (text_.size() > kMaxFileBytes) {
    line_no_ = 1;
    lines_.push_back(std::string_view(text_).substr(
        0, std::min<size_t>(text_.find('\n'), 80)));
    return MakeError(Failure{
        1, StrFormat("the file is %zu bytes; a scenario is at most 1 MiB "
                     "(%zu bytes)",
                     text_.size(), kMaxFileBytes)});
  }
  std::string_view rest = text_;
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view()
                                             : rest.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines_.push_back(line);
  }
  std::vector<std::string> pending;  // the comment lines since the last
                                     // statement or blank line
  for (std::string_view line : lines_) {
    ++line_no_;
    if (auto failure = ParseLine(line, pending)) return MakeError(*failure);
  }
  if (!seen_statement_ && !header_set_ && !pending.empty()) SetHeader(pending);
  if (first_action_line_ == 0) {
    FinishSetup();
    if (failure_) return MakeError(*failure_);
  }
  return std::move(scenario_);
}

std::optional<Failure> Parser::ParseLine(std::string_view line,
                                         std::vector<std::string>& pending) {
  if (line.size() > kMaxLineBytes) {
    return Failure{1, StrFormat("the line is %zu bytes long; lines are at "
                                "most %zu bytes",
                                line.size(), kMaxLineBytes)};
  }
  LexedLine lexed;
  if (auto failure = Lex(line, lexed)) return failure;
  if (lexed.tokens.size() == 1) {  // no statement
    if (lexed.has_comment) {
      pending.push_back(CommentText(lexed.comment));
      return std::nullopt;
    }
    // A blank line ends a comment block; the first one before any
    // statement is the header.
    if (!seen_statement_ && !header_set_ && !pending.empty()) {
      SetHeader(pending);
    }
    pending.clear();
    return std::nullopt;
  }
  // The first block is the header even when it is directly above the
  // first statement (then it is that statement's narration too).
  if (!seen_statement_ && !header_set_ && !pending.empty()) SetHeader(pending);
  seen_statement_ = true;
  ParseStatement(lexed, Join(pending));
  pending.clear();
  return failure_;
}

void Parser::SetHeader(const std::vector<std::string>& comments) {
  header_set_ = true;
  scenario_.narration = Join(comments);
  for (const std::string& comment : comments) {
    if (!comment.empty()) {
      scenario_.title = comment;
      break;
    }
  }
}

void Parser::ParseStatement(LexedLine& lexed, std::string narration) {
  tokens_ = std::move(lexed.tokens);
  next_ = 0;
  failure_.reset();
  const Token& head = Peek();
  if (head.kind != TokenKind::kWord) {
    FailGot(head, "a statement");
    return;
  }
  const Keyword* keyword =
      std::find_if(std::begin(kKeywords), std::end(kKeywords),
                   [&](const Keyword& k) { return head.text == k.name; });
  if (keyword == std::end(kKeywords)) {
    std::vector<std::string_view> names;
    for (const Keyword& k : kKeywords) names.push_back(k.name);
    Fail(head.col, StrFormat("unknown statement \"%s\"%s",
                             EscapeBytes(head.text.substr(0, 40)).c_str(),
                             Suggest(head.text, names).c_str()));
    return;
  }
  const bool is_setup =
      keyword->setup || (head.text == "network" && first_action_line_ == 0);
  if (is_setup) {
    if (first_action_line_ != 0) {
      Fail(head.col, StrFormat("setup statement \"%s\" must come before the "
                               "first action (line %d)",
                               keyword->name, first_action_line_));
      return;
    }
    auto [it, inserted] = setup_lines_.emplace(head.text, line_no_);
    if (!inserted && keyword->setup) {
      Fail(head.col, StrFormat("setup statement \"%s\" was already given on "
                               "line %d",
                               keyword->name, it->second));
      return;
    }
    Take();
    (this->*keyword->handler)();
    ExpectEnd();
    return;
  }
  if (first_action_line_ == 0) {
    FinishSetup();
    if (!ok()) return;
    first_action_line_ = line_no_;
  }
  if (scenario_.statements.size() >= kMaxStatements) {
    Fail(head.col, StrFormat("too many statements: a scenario has at most %zu",
                             kMaxStatements));
    return;
  }
  const int col = head.col;
  Take();
  std::optional<Action> action = (this->*keyword->handler)();
  ExpectEnd();
  if (!ok() || !action) return;
  scenario_.statements.push_back(Statement{.pos = {line_no_, col},
                                           .source = std::string(lexed.code),
                                           .narration = std::move(narration),
                                           .action = std::move(*action)});
}

// Checks what only the whole setup can tell: Raft needs an election
// timeout longer than the heartbeat interval.
void Parser::FinishSetup() {
  const Setup& setup = scenario_.setup;
  if (setup.election_ticks > setup.heartbeat_ticks) return;
  auto election = setup_lines_.find("election");
  auto heartbeat = setup_lines_.find("heartbeat");
  int line = election == setup_lines_.end() ? heartbeat->second
             : heartbeat == setup_lines_.end()
                 ? election->second
                 : std::max(election->second, heartbeat->second);
  failure_line_ = line;
  failure_ = Failure{
      1, StrFormat("the election timeout (%d ticks) must be longer than the "
                   "heartbeat interval (%d ticks)",
                   setup.election_ticks, setup.heartbeat_ticks)};
}

ParseError Parser::MakeError(const Failure& failure) const {
  ParseError error;
  error.file = file_;
  const int line = failure_line_ != 0 ? failure_line_ : line_no_;
  error.pos = Pos{.line = std::max(line, 1), .col = std::max(failure.col, 1)};
  error.message = failure.message;
  if (line >= 1 && static_cast<size_t>(line) <= lines_.size()) {
    std::string_view source = lines_[line - 1];
    if (source.size() > kMaxLineBytes) {
      error.line = std::string(source.substr(0, 80)) + "...";
    } else {
      error.line = std::string(source);
    }
  }
  return error;
}

// ---- Tokens ----------------------------------------------------------------

const Token& Parser::Peek(size_t ahead) const {
  // After a failure every read is the end of the line, so that the parse
  // functions unwind without looking at more input.
  if (failure_) return tokens_.back();
  return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
}

const Token& Parser::Take() {
  const Token& token = Peek();
  if (ok() && next_ + 1 < tokens_.size()) ++next_;
  return token;
}

bool Parser::PeekWord(std::string_view word, size_t ahead) const {
  const Token& token = Peek(ahead);
  return token.kind == TokenKind::kWord && token.text == word;
}

bool Parser::AcceptWord(std::string_view word) {
  if (!PeekWord(word)) return false;
  Take();
  return true;
}

bool Parser::AcceptSymbol(std::string_view symbol) {
  const Token& token = Peek();
  if (token.kind != TokenKind::kSymbol || token.text != symbol) return false;
  Take();
  return true;
}

void Parser::ExpectWord(std::string_view word) {
  if (AcceptWord(word)) return;
  FailGot(Peek(), "\"" + std::string(word) + "\"");
}

void Parser::ExpectEnd() {
  if (Peek().kind != TokenKind::kEnd) FailGot(Peek(), "the end of the line");
}

void Parser::Fail(int col, std::string message) {
  if (!failure_) failure_ = Failure{col, std::move(message)};
}

void Parser::FailGot(const Token& token, std::string_view expected) {
  Fail(token.col,
       "expected " + std::string(expected) + ", got " + Describe(token));
}

// ---- Values ----------------------------------------------------------------

std::string RangeText(uint64_t min, uint64_t max) {
  if (max >= static_cast<uint64_t>(INT64_MAX)) {
    return min == 0 ? "at most " + std::to_string(max)
                    : "at least " + std::to_string(min);
  }
  return std::to_string(min) + ".." + std::to_string(max);
}

Micros Parser::TakeDuration(const char* what, bool positive) {
  const Token& token = Take();
  const std::string_view text = token.text;
  const size_t unit_start = text.find_first_not_of("0123456789.");
  if (token.kind != TokenKind::kWord || unit_start == 0 ||
      unit_start == std::string_view::npos) {
    FailGot(token, kDurationExpected);
    return 0;
  }
  const std::string_view unit = text.substr(unit_start);
  const Micros scale = unit == "us"   ? 1
                       : unit == "ms" ? kMillis
                       : unit == "s"  ? kSeconds
                       : unit == "m"  ? 60 * kSeconds
                                      : 0;
  uint64_t value = 0;
  const ScaleError error = scale == 0
                               ? ScaleError::kSyntax
                               : ScaleDecimal(text.substr(0, unit_start), scale,
                                              kMaxDuration, value);
  switch (error) {
    case ScaleError::kNone:
      break;
    case ScaleError::kSyntax:
      FailGot(token, kDurationExpected);
      return 0;
    case ScaleError::kFraction:
      Fail(token.col, StrFormat("duration \"%s\" is not a whole number of "
                                "microseconds",
                                token.text.c_str()));
      return 0;
    case ScaleError::kTooLarge:
      Fail(token.col, StrFormat("duration \"%s\" is too long (at most 1440m, "
                                "a simulated day)",
                                token.text.c_str()));
      return 0;
  }
  if (positive && value == 0) {
    Fail(token.col, StrFormat("%s must be longer than 0, got \"%s\"", what,
                              token.text.c_str()));
  }
  return value;
}

uint64_t Parser::TakeUint(const char* what, uint64_t min, uint64_t max) {
  const Token& token = Take();
  if (token.kind != TokenKind::kWord || !IsAllDigits(token.text)) {
    FailGot(token, StrFormat("a number (%s)", what));
    return min;
  }
  const std::optional<uint64_t> value = ToUint(token.text);
  if (!value || *value < min || *value > max) {
    Fail(token.col,
         StrFormat("%s must be %s, got %s", what, RangeText(min, max).c_str(),
                   Describe(token).c_str()));
    return min;
  }
  return *value;
}

// A percentage in units of 1/unit percent: TakePercent(w, 10000, ...) gives
// parts per million.
uint64_t Parser::TakePercent(const char* what, uint64_t unit, uint64_t min,
                             uint64_t max) {
  const Token& token = Take();
  const std::string_view text = token.text;
  uint64_t value = 0;
  const ScaleError error =
      token.kind != TokenKind::kWord || !text.ends_with('%')
          ? ScaleError::kSyntax
          : ScaleDecimal(text.substr(0, text.size() - 1), unit, max, value);
  switch (error) {
    case ScaleError::kNone:
      break;
    case ScaleError::kSyntax:
      FailGot(token, StrFormat("a percentage like 10%% or 0.5%% (%s)", what));
      return min;
    case ScaleError::kFraction:
      Fail(token.col,
           unit == 1 ? StrFormat("%s must be a whole percentage, got \"%s\"",
                                 what, token.text.c_str())
                     : StrFormat("%s \"%s\" is finer than 0.0001%%", what,
                                 token.text.c_str()));
      return min;
    case ScaleError::kTooLarge:
      value = max + 1;
      break;
  }
  if (value < min || value > max) {
    Fail(token.col, StrFormat("%s must be %llu%%..%llu%%, got \"%s\"", what,
                              static_cast<unsigned long long>(min / unit),
                              static_cast<unsigned long long>(max / unit),
                              token.text.c_str()));
    return min;
  }
  return value;
}

// A key or value: a word, a number or a quoted string.
std::string Parser::TakeText(const char* what, bool allow_empty) {
  const Token& token = Take();
  if (token.kind != TokenKind::kWord && token.kind != TokenKind::kString) {
    FailGot(token, StrFormat("%s (a word or a \"quoted string\")", what));
    return "";
  }
  if (!allow_empty && token.text.empty()) {
    Fail(token.col, StrFormat("%s must not be empty", what));
  }
  return token.text;
}

bool IsMemberIdWord(std::string_view word) {
  return word.size() >= 2 && word[0] == 'n' && IsAllDigits(word.substr(1));
}

// A name that a statement binds (let, lease grant, watch).
std::string Parser::TakeName(const char* what, bool is_member_name) {
  const Token& token = Take();
  const bool valid = token.kind == TokenKind::kWord && IsName(token.text);
  if (!valid) {
    FailGot(token, StrFormat("%s (a letter or _, then letters, digits, _ "
                             "and -)",
                             what));
    return "";
  }
  if (is_member_name &&
      (IsReserved(token.text) || IsMemberIdWord(token.text))) {
    Fail(token.col, StrFormat("\"%s\" cannot name a member: it is a "
                              "keyword or a member id",
                              token.text.c_str()));
  }
  return token.text;
}

// A lease or watch name that an earlier statement bound.
std::string Parser::TakeBoundName(const std::set<std::string>& bound,
                                  const char* what, const char* bound_by) {
  const Token& token = Peek();
  std::string name = TakeName(what, false);
  if (ok() && bound.count(name) == 0) {
    const std::vector<std::string_view> names(bound.begin(), bound.end());
    Fail(token.col,
         StrFormat("unknown %s \"%s\": no earlier %s binds it%s", what,
                   name.c_str(), bound_by, Suggest(name, names).c_str()));
  }
  return name;
}

MemberRef Parser::TakeMember() {
  const Token& token = Take();
  MemberRef ref;
  ref.text = token.text;
  if (token.kind != TokenKind::kWord) {
    FailGot(token, kMemberExpected);
    return ref;
  }
  if (IsMemberIdWord(token.text)) {
    const std::optional<uint64_t> id = ToUint(token.text.substr(1));
    if (!id || *id < 1 || *id > kMaxMemberId) {
      Fail(token.col, StrFormat("member %s: members are n1..n9",
                                EscapeBytes(token.text.substr(0, 40)).c_str()));
      return ref;
    }
    const bool known = *id <= static_cast<uint64_t>(scenario_.setup.members) ||
                       added_members_.count(*id) > 0;
    if (!known) {
      Fail(token.col, StrFormat("member %s: the cluster has n1..n%d, and no "
                                "earlier \"member add %s\"",
                                token.text.c_str(), scenario_.setup.members,
                                token.text.c_str()));
      return ref;
    }
    ref.kind = MemberRef::Kind::kId;
    ref.id = *id;
  } else if (token.text == "leader") {
    ref.kind = MemberRef::Kind::kLeader;
  } else if (token.text == "follower") {
    ref.kind = MemberRef::Kind::kFollower;
  } else if (IsName(token.text) && !IsReserved(token.text)) {
    if (let_names_.count(token.text) == 0) {
      const std::vector<std::string_view> names(let_names_.begin(),
                                                let_names_.end());
      Fail(token.col,
           StrFormat("unknown member \"%s\": members are n1..n9, leader, "
                     "follower or a name bound by an earlier let%s",
                     token.text.c_str(), Suggest(token.text, names).c_str()));
      return ref;
    }
    ref.kind = MemberRef::Kind::kName;
    ref.name = token.text;
  } else {
    FailGot(token, kMemberExpected);
  }
  return ref;
}

bool Parser::StartsMember(const Token& token) const {
  if (token.kind != TokenKind::kWord) return false;
  const std::string& word = token.text;
  return word == "leader" || word == "follower" || IsMemberIdWord(word) ||
         (IsName(word) && !IsReserved(word));
}

// One or more members, commas optional: "n1 n2", "n1, n2". The list ends
// at the end of the line, a symbol or a keyword such as "within".
std::vector<MemberRef> Parser::TakeMemberList() {
  std::vector<MemberRef> members;
  for (;;) {
    members.push_back(TakeMember());
    if (!ok()) break;
    if (AcceptSymbol(",")) continue;
    if (!StartsMember(Peek())) break;
  }
  return members;
}

Cmp Parser::TakeCmp(bool txn) {
  const Token& token = Take();
  static constexpr std::pair<std::string_view, Cmp> kCmps[] = {
      {"=", Cmp::kEq},  {"!=", Cmp::kNe}, {"<", Cmp::kLt},
      {"<=", Cmp::kLe}, {">", Cmp::kGt},  {">=", Cmp::kGe}};
  for (const auto& [text, cmp] : kCmps) {
    if (token.kind != TokenKind::kSymbol || token.text != text) continue;
    if (txn && (cmp == Cmp::kLe || cmp == Cmp::kGe)) {
      Fail(token.col, StrFormat("a txn compare takes =, !=, < or > (as "
                                "etcd's), got \"%s\"",
                                token.text.c_str()));
    }
    return cmp;
  }
  FailGot(token, txn ? "a comparison (=, !=, < or >)"
                     : "a comparison (=, !=, <, <=, > or >=)");
  return Cmp::kEq;
}

bool Parser::TakeOnOff(const char* what) {
  if (AcceptWord("on")) return true;
  if (AcceptWord("off")) return false;
  FailGot(Peek(), StrFormat("\"on\" or \"off\" (%s)", what));
  return false;
}

void Parser::TakeTicksWord() {
  if (AcceptWord("ticks") || AcceptWord("tick")) return;
  FailGot(Peek(), "\"ticks\"");
}

// One of a fixed list of words (crash points, message types).
std::string Parser::TakeChoice(const char* what, const char* const* begin,
                               const char* const* end) {
  const Token& token = Take();
  if (token.kind == TokenKind::kWord &&
      std::find(begin, end, std::string_view(token.text)) != end) {
    return token.text;
  }
  std::string list;
  std::vector<std::string_view> names;
  for (const char* const* it = begin; it != end; ++it) {
    list += (list.empty() ? "" : ", ") + std::string(*it);
    names.emplace_back(*it);
  }
  if (token.kind == TokenKind::kWord) {
    Fail(token.col,
         StrFormat("unknown %s \"%s\"%s; one of %s", what,
                   EscapeBytes(token.text.substr(0, 40)).c_str(),
                   Suggest(token.text, names).c_str(), list.c_str()));
  } else {
    FailGot(token, StrFormat("a %s (one of %s)", what, list.c_str()));
  }
  return "";
}

// `latency D[..D]`, `loss P`, `duplicate P`, `reorder on|off`, one or more,
// each at most once.
LinkChange Parser::TakeLinkSettings() {
  LinkChange change;
  do {
    const Token& token = Take();
    auto once = [&](bool was_set) {
      if (was_set) {
        Fail(token.col, StrFormat("\"%s\" is given twice", token.text.c_str()));
      }
    };
    if (token.kind == TokenKind::kWord && token.text == "latency") {
      once(change.latency_min.has_value());
      const Token& min_token = Peek();
      const Micros min = TakeDuration("the latency", false);
      const Micros max =
          AcceptSymbol("..") ? TakeDuration("the latency", false) : min;
      if (ok() && min > max) {
        Fail(min_token.col,
             "the latency range goes backwards (the minimum "
             "is above the maximum)");
      }
      change.latency_min = min;
      change.latency_max = max;
    } else if (token.kind == TokenKind::kWord && token.text == "loss") {
      once(change.loss_ppm.has_value());
      change.loss_ppm =
          static_cast<uint32_t>(TakePercent("the loss", 10000, 0, 1000000));
    } else if (token.kind == TokenKind::kWord && token.text == "duplicate") {
      once(change.duplicate_ppm.has_value());
      change.duplicate_ppm = static_cast<uint32_t>(
          TakePercent("the duplication", 10000, 0, 1000000));
    } else if (token.kind == TokenKind::kWord && token.text == "reorder") {
      once(change.reorder.has_value());
      change.reorder = TakeOnOff("reorder");
    } else {
      FailGot(token, "a network setting (latency, loss, duplicate or reorder)");
    }
  } while (ok() && Peek().kind != TokenKind::kEnd);
  return change;
}

// `A -> B` or `A <-> B` (or only `A -> B`).
void Parser::TakeLink(MemberRef& from, MemberRef& to, bool& both_ways,
                      bool one_way_only) {
  from = TakeMember();
  const Token& arrow = Peek();
  if (AcceptSymbol("->")) {
    both_ways = false;
  } else if (!one_way_only && AcceptSymbol("<->")) {
    both_ways = true;
  } else {
    FailGot(arrow, one_way_only ? "\"->\"" : "\"->\" or \"<->\"");
  }
  const Token& to_token = Peek();
  to = TakeMember();
  if (ok() && from.kind == MemberRef::Kind::kId &&
      to.kind == MemberRef::Kind::kId && from.id == to.id) {
    Fail(to_token.col,
         StrFormat("%s has no link to itself", from.text.c_str()));
  }
}

// ---- Conditions ------------------------------------------------------------

constexpr std::pair<std::string_view, Role> kRoles[] = {
    {"leader", Role::kLeader},       {"follower", Role::kFollower},
    {"candidate", Role::kCandidate}, {"pre-candidate", Role::kPreCandidate},
    {"down", Role::kDown},           {"paused", Role::kPaused},
    {"learner", Role::kLearner},     {"voter", Role::kVoter},
    {"removed", Role::kRemoved}};

constexpr std::pair<std::string_view, Field> kFields[] = {
    {"term", Field::kTerm},
    {"commit", Field::kCommit},
    {"applied", Field::kApplied},
    {"last-index", Field::kLastIndex},
    {"revision", Field::kRevision},
    {"compact-revision", Field::kCompactRevision}};

std::optional<Role> RoleNamed(std::string_view word) {
  for (const auto& [name, role] : kRoles) {
    if (name == word) return role;
  }
  return std::nullopt;
}

std::optional<Field> FieldNamed(std::string_view word) {
  for (const auto& [name, field] : kFields) {
    if (name == word) return field;
  }
  return std::nullopt;
}

constexpr uint64_t kInt64Max = static_cast<uint64_t>(INT64_MAX);

Condition Parser::TakeCondition() {
  if (PeekWord("leader")) return TakeLeaderCondition();
  if (AcceptWord("no")) {
    ExpectWord("leader");
    return NoLeader{};
  }
  if (AcceptWord("term")) {
    FieldCmp c{.field = Field::kTerm};
    c.cmp = TakeCmp(false);
    c.value = static_cast<int64_t>(TakeUint("the term", 0, kInt64Max));
    return c;
  }
  if (AcceptWord("voters")) return TakeMembersAre(false);
  if (AcceptWord("learners")) return TakeMembersAre(true);
  if (AcceptWord("watch")) return TakeWatchCondition();
  // A word that is no member starts no condition, unless it is a typo of
  // a let name (then TakeMember says which).
  const Token& token = Peek();
  bool unbound_name = token.kind == TokenKind::kWord && IsName(token.text) &&
                      !IsReserved(token.text) && !IsMemberIdWord(token.text) &&
                      let_names_.count(token.text) == 0;
  if (unbound_name) {
    const std::vector<std::string_view> names(let_names_.begin(),
                                              let_names_.end());
    unbound_name = Suggest(token.text, names).empty();
  }
  if (!StartsMember(token) || unbound_name) {
    FailGot(token,
            "a condition (leader elected, no leader, leader is M, leader "
            "among M..., term, voters are, learners are, watch W, or a "
            "member's)");
    return LeaderElected{};
  }
  return TakeMemberCondition(TakeMember());
}

// `leader elected`, `leader is M`, `leader among M...`, or a condition on
// the leader as a member (`leader term > 2`, `leader is candidate`).
Condition Parser::TakeLeaderCondition() {
  if (PeekWord("elected", 1)) {
    Take();
    Take();
    return LeaderElected{};
  }
  if (PeekWord("among", 1)) {
    Take();
    Take();
    return LeaderAmong{.members = TakeMemberList()};
  }
  if (PeekWord("is", 1)) {
    // `leader is n2` names the leader; `leader is candidate` is the role
    // of the leader member. `leader` and `follower` after `is` are members
    // (as `leader is follower` would otherwise always be false).
    const Token& after = Peek(2);
    const std::optional<Role> role =
        after.kind == TokenKind::kWord ? RoleNamed(after.text) : std::nullopt;
    const bool names_member =
        !role || after.text == "leader" || after.text == "follower";
    if (names_member) {
      Take();
      Take();
      return LeaderAmong{.members = {TakeMember()}};
    }
  }
  return TakeMemberCondition(TakeMember());
}

Condition Parser::TakeMemberCondition(MemberRef member) {
  const Token& token = Take();
  const std::string& word = token.text;
  if (token.kind == TokenKind::kWord && word == "is") {
    const Token& role_token = Take();
    const std::optional<Role> role = role_token.kind == TokenKind::kWord
                                         ? RoleNamed(role_token.text)
                                         : std::nullopt;
    if (!role) {
      FailGot(role_token,
              "a role (leader, follower, candidate, "
              "pre-candidate, down, paused, learner, voter or "
              "removed)");
    }
    return MemberIs{.member = std::move(member),
                    .role = role.value_or(Role::kLeader)};
  }
  if (token.kind == TokenKind::kWord && FieldNamed(word)) {
    FieldCmp c{.member = std::move(member), .field = *FieldNamed(word)};
    c.cmp = TakeCmp(false);
    c.value = static_cast<int64_t>(TakeUint(word.c_str(), 0, kInt64Max));
    return c;
  }
  if (token.kind == TokenKind::kWord && word == "entry") {
    EntryTerm c{.member = std::move(member)};
    c.index = TakeUint("the log index", 1, kInt64Max);
    ExpectWord("term");
    c.cmp = TakeCmp(false);
    c.term = TakeUint("the term", 0, kInt64Max);
    return c;
  }
  if (token.kind == TokenKind::kWord && word == "sees") {
    Sees c{.member = std::move(member)};
    c.key = TakeText("the key", false);
    if (!AcceptWord("absent")) {
      if (!AcceptSymbol("=")) FailGot(Peek(), "\"=\" or \"absent\"");
      c.value = TakeText("the value", true);
    }
    return c;
  }
  if (token.kind == TokenKind::kWord && word == "caught") {
    ExpectWord("up");
    return CaughtUp{.member = std::move(member)};
  }
  FailGot(token, StrFormat("a condition on %s (is, term, commit, applied, "
                           "last-index, revision, compact-revision, entry, "
                           "sees or caught up)",
                           member.text.c_str()));
  return LeaderElected{};
}

Condition Parser::TakeMembersAre(bool learners) {
  ExpectWord("are");
  MembersAre c{.learners = learners};
  if (learners && AcceptWord("none")) return c;
  c.members = TakeMemberList();
  return c;
}

Condition Parser::TakeWatchCondition() {
  WatchGot c;
  c.watch = TakeBoundName(watch_names_, "watch", "watch statement");
  if (AcceptWord("canceled")) {
    c.kind = WatchGot::Kind::kCanceled;
    return c;
  }
  ExpectWord("received");
  if (AcceptWord("put")) {
    c.kind = WatchGot::Kind::kPut;
    c.key = TakeText("the key", false);
    c.value = TakeText("the value", true);
    return c;
  }
  if (AcceptWord("delete")) {
    c.kind = WatchGot::Kind::kDelete;
    c.key = TakeText("the key", false);
    return c;
  }
  c.kind = WatchGot::Kind::kCount;
  if (Peek().kind == TokenKind::kSymbol) c.cmp = TakeCmp(false);
  c.count = static_cast<int64_t>(TakeUint("the event count", 0, kInt64Max));
  if (!AcceptWord("events") && !AcceptWord("event")) {
    FailGot(Peek(), "\"events\"");
  }
  return c;
}

// ---- Setup statements ------------------------------------------------------

std::optional<Action> Parser::SetupMembers() {
  scenario_.setup.members =
      static_cast<int>(TakeUint("the number of members", 1, kMaxMemberId));
  return std::nullopt;
}

std::optional<Action> Parser::SetupSeed() {
  scenario_.setup.seed = TakeUint("the seed", 0, UINT64_MAX);
  return std::nullopt;
}

std::optional<Action> Parser::SetupTick() {
  scenario_.setup.tick = TakeDuration("the tick interval", true);
  return std::nullopt;
}

std::optional<Action> Parser::SetupElection() {
  scenario_.setup.election_ticks =
      static_cast<int>(TakeUint("the election timeout", 1, 100000));
  TakeTicksWord();
  return std::nullopt;
}

std::optional<Action> Parser::SetupHeartbeat() {
  scenario_.setup.heartbeat_ticks =
      static_cast<int>(TakeUint("the heartbeat interval", 1, 100000));
  TakeTicksWord();
  return std::nullopt;
}

std::optional<Action> Parser::SetupPreVote() {
  scenario_.setup.pre_vote = TakeOnOff("pre-vote");
  return std::nullopt;
}

std::optional<Action> Parser::SetupCheckQuorum() {
  scenario_.setup.check_quorum = TakeOnOff("check-quorum");
  return std::nullopt;
}

std::optional<Action> Parser::SetupSnapshotCount() {
  scenario_.setup.snapshot_count =
      TakeUint("the snapshot count", 1, UINT64_MAX);
  return std::nullopt;
}

std::optional<Action> Parser::SetupRequestTimeout() {
  scenario_.setup.request_timeout = TakeDuration("the request timeout", true);
  return std::nullopt;
}

// ---- Actions ---------------------------------------------------------------

// `network ...`: in the setup it changes the defaults of every link; after
// the first action it is a statement.
std::optional<Action> Parser::ParseNetwork() {
  const LinkChange change = TakeLinkSettings();
  if (first_action_line_ != 0) return SetNetwork{.change = change};
  LinkChange& defaults = scenario_.setup.network;
  if (change.latency_min) defaults.latency_min = change.latency_min;
  if (change.latency_max) defaults.latency_max = change.latency_max;
  if (change.loss_ppm) defaults.loss_ppm = change.loss_ppm;
  if (change.duplicate_ppm) defaults.duplicate_ppm = change.duplicate_ppm;
  if (change.reorder) defaults.reorder = change.reorder;
  return std::nullopt;
}

std::optional<Action> Parser::ParseAt() {
  return At{.time = TakeDuration("the time", false)};
}

std::optional<Action> Parser::ParseAfter() {
  return After{.delay = TakeDuration("the delay", false)};
}

std::optional<Action> Parser::ParseWait() {
  ExpectWord("until");
  WaitUntil wait{.condition = TakeCondition()};
  ExpectWord("within");
  wait.within = TakeDuration("the time limit of a wait", true);
  return wait;
}

std::optional<Action> Parser::ParseExpect() {
  return Expect{.condition = TakeCondition()};
}

std::optional<Action> Parser::ParseCheck() {
  if (AcceptWord("linearizable")) return Check{.linearizable = true};
  if (AcceptWord("invariants")) return Check{.linearizable = false};
  FailGot(Peek(), "\"linearizable\" or \"invariants\"");
  return std::nullopt;
}

std::optional<Action> Parser::ParseLet() {
  Let let{.name = TakeName("a name for the member", true)};
  if (!AcceptSymbol("=")) FailGot(Peek(), "\"=\"");
  let.member = TakeMember();
  // Bound after the statement, so `let a = a` needs an earlier `a`.
  if (ok()) let_names_.insert(let.name);
  return let;
}

std::optional<Action> Parser::ParseLinkStatement() {
  SetNetwork set;
  set.from.emplace();
  set.to.emplace();
  TakeLink(*set.from, *set.to, set.both_ways, false);
  if (ok() && Peek().kind == TokenKind::kEnd) {
    FailGot(Peek(), "a network setting (latency, loss, duplicate or reorder)");
  }
  set.change = TakeLinkSettings();
  return set;
}

// `partition A B | C D | E`: two or more groups, each member in one.
std::optional<Action> Parser::ParsePartition() {
  Partition partition;
  std::set<std::string> seen;
  do {
    const size_t first = next_;
    partition.groups.push_back(TakeMemberList());
    for (size_t i = 0; ok() && i < partition.groups.back().size(); ++i) {
      const MemberRef& m = partition.groups.back()[i];
      if (!seen.insert(m.text).second) {
        // Each member took one token, and commas one more.
        const Token* token = &tokens_[first];
        for (size_t t = first; t < next_; ++t) {
          if (tokens_[t].text == m.text) token = &tokens_[t];
        }
        Fail(token->col, StrFormat("%s is in two groups", m.text.c_str()));
      }
    }
  } while (ok() && AcceptSymbol("|"));
  if (ok() && partition.groups.size() < 2) {
    FailGot(Peek(), "\"|\" (a partition needs two or more groups)");
  }
  return partition;
}

std::optional<Action> Parser::ParseIsolate() {
  return Isolate{.member = TakeMember()};
}

std::optional<Action> Parser::ParseCut() {
  Cut cut;
  TakeLink(cut.from, cut.to, cut.both_ways, false);
  return cut;
}

std::optional<Action> Parser::ParseRestore() {
  Cut cut{.restore = true};
  TakeLink(cut.from, cut.to, cut.both_ways, false);
  return cut;
}

std::optional<Action> Parser::ParseHeal() { return Heal{}; }

std::optional<Action> Parser::ParseCrash() {
  Crash crash{.member = TakeMember()};
  if (AcceptWord("at")) {
    crash.point = TakeChoice("crash point", std::begin(kCrashPoints),
                             std::end(kCrashPoints));
  }
  if (AcceptWord("tearing")) {
    crash.tearing = true;
  } else if (Peek().kind != TokenKind::kEnd) {
    FailGot(Peek(), crash.point.empty()
                        ? "\"tearing\", \"at POINT\" or the end of the line"
                        : "\"tearing\" or the end of the line");
  }
  return crash;
}

// `kill M [at POINT]`: the process dies but the machine does not, so
// everything it wrote (synced or not) stays on disk.
std::optional<Action> Parser::ParseKill() {
  Crash crash{.member = TakeMember(), .keep_written = true};
  if (AcceptWord("at")) {
    crash.point = TakeChoice("crash point", std::begin(kCrashPoints),
                             std::end(kCrashPoints));
  }
  if (Peek().kind != TokenKind::kEnd) {
    FailGot(Peek(), crash.point.empty() ? "\"at POINT\" or the end of the line"
                                        : "the end of the line");
  }
  return crash;
}

std::optional<Action> Parser::ParseRestart() {
  return Restart{.member = TakeMember()};
}

std::optional<Action> Parser::ParsePause() {
  return Pause{.member = TakeMember()};
}

std::optional<Action> Parser::ParseResume() {
  return Resume{.member = TakeMember()};
}

// `fail next sync on M`
std::optional<Action> Parser::ParseFail() {
  ExpectWord("next");
  ExpectWord("sync");
  ExpectWord("on");
  return FailSync{.member = TakeMember()};
}

std::optional<Action> Parser::ParseSkew() {
  Skew skew{.member = TakeMember()};
  skew.percent =
      static_cast<uint32_t>(TakePercent("the clock rate", 1, 1, 1000));
  return skew;
}

std::optional<Action> Parser::ParseClock() {
  ClockJump jump{.member = TakeMember()};
  if (AcceptWord("back")) {
    jump.back = true;
  } else if (!AcceptWord("forward")) {
    FailGot(Peek(), "\"forward\" or \"back\"");
  }
  jump.by = TakeDuration("the clock jump", true);
  return jump;
}

std::optional<Action> Parser::ParseCampaign() {
  return Campaign{.member = TakeMember()};
}

// `drop next TYPE A -> B`
std::optional<Action> Parser::ParseDrop() {
  if (AcceptWord("message")) {
    return DropMessage{.id = TakeUint("the message id", 1, kInt64Max)};
  }
  ExpectWord("next");
  DropNext drop{.type = TakeChoice("message type", std::begin(kMessageTypes),
                                   std::end(kMessageTypes))};
  bool both_ways = false;
  TakeLink(drop.from, drop.to, both_ways, true);
  return drop;
}

// ---- Client operations -----------------------------------------------------

PutOp Parser::TakePutArgs() {
  PutOp put;
  put.key = TakeText("the key", false);
  put.value = TakeText("the value", true);
  return put;
}

std::optional<Action> Parser::ParsePut() {
  PutOp put = TakePutArgs();
  if (AcceptWord("lease")) {
    put.lease = TakeBoundName(lease_names_, "lease", "lease grant");
  }
  return FinishClientOp(std::move(put));
}

// `get K [prefix] [serializable] [rev N]`, the options in any order.
std::optional<Action> Parser::ParseGet() {
  GetOp get{.key = TakeText("the key", false)};
  bool has_rev = false;
  for (;;) {
    const Token& token = Peek();
    bool* flag = PeekWord("prefix")         ? &get.prefix
                 : PeekWord("serializable") ? &get.serializable
                 : PeekWord("rev")          ? &has_rev
                                            : nullptr;
    if (flag == nullptr) break;
    if (*flag) {
      Fail(token.col, StrFormat("\"%s\" is given twice", token.text.c_str()));
      break;
    }
    *flag = true;
    Take();
    if (flag == &has_rev) {
      get.revision =
          static_cast<int64_t>(TakeUint("the revision", 1, kInt64Max));
    }
  }
  return FinishClientOp(std::move(get));
}

std::optional<Action> Parser::ParseDelete() {
  DeleteOp del{.key = TakeText("the key", false)};
  del.prefix = AcceptWord("prefix");
  return FinishClientOp(std::move(del));
}

// `txn if CMP, CMP ... then OP, OP ... [else OP, OP ...]` (commas
// optional).
std::optional<Action> Parser::ParseTxn() {
  TxnOpList txn;
  ExpectWord("if");
  do {
    txn.compares.push_back(TakeTxnCompare());
    AcceptSymbol(",");
  } while (ok() && !PeekWord("then") && Peek().kind != TokenKind::kEnd);
  ExpectWord("then");
  txn.success = TakeTxnOps();
  if (AcceptWord("else")) txn.failure = TakeTxnOps();
  return FinishClientOp(std::move(txn));
}

TxnCompare Parser::TakeTxnCompare() {
  static constexpr std::pair<std::string_view, TxnCompare::Target> kTargets[] =
      {{"value", TxnCompare::Target::kValue},
       {"version", TxnCompare::Target::kVersion},
       {"create", TxnCompare::Target::kCreate},
       {"mod", TxnCompare::Target::kMod}};
  TxnCompare compare;
  const Token& token = Take();
  const auto* target = std::find_if(
      std::begin(kTargets), std::end(kTargets), [&](const auto& t) {
        return token.kind == TokenKind::kWord && token.text == t.first;
      });
  if (target == std::end(kTargets)) {
    FailGot(token, "a compare (value(K), version(K), create(K) or mod(K))");
    return compare;
  }
  compare.target = target->second;
  if (!AcceptSymbol("(")) FailGot(Peek(), "\"(\"");
  compare.key = TakeText("the key", false);
  if (!AcceptSymbol(")")) FailGot(Peek(), "\")\"");
  compare.cmp = TakeCmp(true);
  if (compare.target == TxnCompare::Target::kValue) {
    compare.value = TakeText("the value", true);
  } else {
    compare.number =
        static_cast<int64_t>(TakeUint(target->first.data(), 0, kInt64Max));
  }
  return compare;
}

// `put K V`, `get K`, `delete K`, up to `else`, `on`, `expect` or the end.
std::vector<TxnOp> Parser::TakeTxnOps() {
  std::vector<TxnOp> ops;
  while (ok() && Peek().kind != TokenKind::kEnd && !PeekWord("else") &&
         !PeekWord("on") && !PeekWord("expect")) {
    if (AcceptWord("put")) {
      ops.emplace_back(TakePutArgs());
    } else if (AcceptWord("get")) {
      ops.emplace_back(GetOp{.key = TakeText("the key", false)});
    } else if (AcceptWord("delete")) {
      ops.emplace_back(DeleteOp{.key = TakeText("the key", false)});
    } else {
      FailGot(Peek(), "a txn operation (put K V, get K or delete K)");
    }
    AcceptSymbol(",");
  }
  return ops;
}

// `lease grant L ttl D`, `lease revoke L`, `lease keep-alive L`.
std::optional<Action> Parser::ParseLease() {
  if (AcceptWord("grant")) {
    const Token& name_token = Peek();
    LeaseGrant grant{.lease = TakeName("a name for the lease", false)};
    ExpectWord("ttl");
    const Token& ttl_token = Peek();
    const Micros ttl = TakeDuration("the lease ttl", true);
    if (ok() && ttl % kSeconds != 0) {
      Fail(ttl_token.col, StrFormat("a lease ttl is whole seconds, got \"%s\"",
                                    ttl_token.text.c_str()));
    }
    grant.ttl_s = static_cast<int64_t>(ttl / kSeconds);
    if (ok() && name_token.kind == TokenKind::kWord) {
      lease_names_.insert(grant.lease);
    }
    return FinishClientOp(std::move(grant));
  }
  if (AcceptWord("revoke")) {
    return FinishClientOp(LeaseRevoke{
        .lease = TakeBoundName(lease_names_, "lease", "lease grant")});
  }
  if (AcceptWord("keep-alive")) {
    return FinishClientOp(LeaseKeepAlive{
        .lease = TakeBoundName(lease_names_, "lease", "lease grant")});
  }
  FailGot(Peek(), "\"grant\", \"revoke\" or \"keep-alive\"");
  return std::nullopt;
}

// `watch W K [prefix] [from N]`
std::optional<Action> Parser::ParseWatch() {
  WatchOp watch{.watch = TakeName("a name for the watch", false)};
  watch.key = TakeText("the key", false);
  watch.prefix = AcceptWord("prefix");
  if (AcceptWord("from")) {
    watch.from = static_cast<int64_t>(TakeUint("the revision", 1, kInt64Max));
  }
  if (ok()) watch_names_.insert(watch.watch);
  return FinishClientOp(std::move(watch));
}

std::optional<Action> Parser::ParseCancel() {
  ExpectWord("watch");
  return FinishClientOp(CancelWatch{
      .watch = TakeBoundName(watch_names_, "watch", "watch statement")});
}

std::optional<Action> Parser::ParseCompact() {
  return FinishClientOp(CompactOp{.revision = static_cast<int64_t>(
                                      TakeUint("the revision", 1, kInt64Max))});
}

// `member add nK [as learner]`, `member remove M`, `member promote M`.
std::optional<Action> Parser::ParseMember() {
  if (AcceptWord("add")) {
    const Token& token = Take();
    const std::optional<uint64_t> id =
        token.kind == TokenKind::kWord && IsMemberIdWord(token.text)
            ? ToUint(token.text.substr(1))
            : std::nullopt;
    if (token.kind != TokenKind::kWord || !IsMemberIdWord(token.text)) {
      FailGot(token, "a new member's id (n1..n9)");
    } else if (!id || *id < 1 || *id > kMaxMemberId) {
      Fail(token.col, StrFormat("member %s: members are n1..n9",
                                EscapeBytes(token.text.substr(0, 40)).c_str()));
    }
    MemberAdd add{.id = id.value_or(0)};
    if (AcceptWord("as")) {
      ExpectWord("learner");
      add.learner = true;
    }
    if (ok()) added_members_.insert(add.id);
    return FinishClientOp(add);
  }
  if (AcceptWord("remove")) {
    return FinishClientOp(MemberRemove{.member = TakeMember()});
  }
  if (AcceptWord("promote")) {
    return FinishClientOp(MemberPromote{.member = TakeMember()});
  }
  FailGot(Peek(), "\"add\", \"remove\" or \"promote\"");
  return std::nullopt;
}

std::optional<Action> Parser::ParseTransfer() {
  ExpectWord("leadership");
  ExpectWord("to");
  return FinishClientOp(Transfer{.to = TakeMember()});
}

// The end of every client operation: `on M` and `expect ...`, each at most
// once, in either order.
Action Parser::FinishClientOp(ClientRequest request) {
  ClientOp op{.request = std::move(request)};
  bool has_expect = false;
  while (ok() && Peek().kind != TokenKind::kEnd) {
    const Token& token = Peek();
    if (PeekWord("on") && !op.on) {
      Take();
      op.on = TakeMember();
    } else if (PeekWord("expect") && !has_expect) {
      Take();
      has_expect = true;
      const Token& what = Peek();
      op.expect = TakeOpExpect();
      if (ok()) CheckOpExpect(op.request, op.expect, what);
    } else if (PeekWord("on") || PeekWord("expect")) {
      Fail(token.col, StrFormat("\"%s\" is given twice", token.text.c_str()));
    } else {
      FailGot(token, "\"on M\", \"expect ...\" or the end of the line");
    }
  }
  return op;
}

OpExpect Parser::TakeOpExpect() {
  OpExpect expect;
  using Kind = OpExpect::Kind;
  const Token& token = Take();
  const std::string_view word =
      token.kind == TokenKind::kWord ? std::string_view(token.text) : "";
  if (word == "ok") {
    expect.kind = Kind::kOk;
  } else if (word == "error") {
    expect.kind = Kind::kError;
    expect.text = TakeText("the error text", false);
  } else if (word == "value") {
    expect.kind = Kind::kValue;
    expect.text = TakeText("the value", true);
  } else if (word == "absent") {
    expect.kind = Kind::kAbsent;
  } else if (word == "count") {
    expect.kind = Kind::kCount;
    expect.count = static_cast<int64_t>(TakeUint("the count", 0, kInt64Max));
  } else if (word == "succeeded") {
    expect.kind = Kind::kSucceeded;
  } else if (word == "failed") {
    expect.kind = Kind::kFailed;
  } else {
    FailGot(token,
            "an answer (ok, error \"TEXT\", value V, absent, count N, "
            "succeeded or failed)");
  }
  return expect;
}

// Refuses expectations that an operation's answer can never meet, such as
// `put k v expect value x`.
void Parser::CheckOpExpect(const ClientRequest& request, const OpExpect& expect,
                           const Token& what) {
  using Kind = OpExpect::Kind;
  if (expect.kind == Kind::kOk || expect.kind == Kind::kError) return;
  const bool is_get = std::holds_alternative<GetOp>(request);
  const bool is_delete = std::holds_alternative<DeleteOp>(request);
  const bool is_txn = std::holds_alternative<TxnOpList>(request);
  const bool fits =
      (is_get && (expect.kind == Kind::kValue || expect.kind == Kind::kAbsent ||
                  expect.kind == Kind::kCount)) ||
      (is_delete && expect.kind == Kind::kCount) ||
      (is_txn &&
       (expect.kind == Kind::kSucceeded || expect.kind == Kind::kFailed));
  if (fits) return;
  const char* allowed = is_get      ? "ok, error, value, absent or count"
                        : is_delete ? "ok, error or count"
                        : is_txn    ? "ok, error, succeeded or failed"
                                    : "ok or error";
  Fail(what.col,
       StrFormat("a %s cannot expect \"%s\"; it may expect %s",
                 tokens_[0].text.c_str(), what.text.c_str(), allowed));
}

}  // namespace

std::string ParseError::ToString() const {
  std::string out = StrFormat("%s:%d:%d: error: %s", file.c_str(), pos.line,
                              pos.col, message.c_str());
  if (line.empty() && pos.col <= 1) return out;
  // The line as written, with control bytes made visible; the caret keeps
  // tabs so that it lines up, and skips UTF-8 continuation bytes so that a
  // multi-byte character takes one column.
  std::string shown;
  std::string caret;
  for (size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    const bool control = (byte < 0x20 && byte != '\t') || byte == 0x7f;
    shown.push_back(control ? '?' : line[i]);
    if (static_cast<int>(i) + 1 >= pos.col) continue;
    if (byte == '\t') {
      caret.push_back('\t');
    } else if ((byte & 0xC0) != 0x80) {
      caret.push_back(' ');
    }
  }
  for (int i = static_cast<int>(line.size()) + 1; i < pos.col && i < 8192;
       ++i) {
    caret.push_back(' ');
  }
  return out + "\n  " + shown + "\n  " + caret + "^";
}

std::string_view FieldName(Field f) {
  for (const auto& [name, field] : kFields) {
    if (field == f) return name;
  }
  return "?";
}

std::variant<Scenario, ParseError> ParseScenario(const std::string& file,
                                                 const std::string& text) {
  Parser parser(file, text);
  return parser.Run();
}

}  // namespace cairn::sim::scenario
