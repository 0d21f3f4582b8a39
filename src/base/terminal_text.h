// Text a person reads on a terminal that may hold what the box chose (an argv, a path, a name):
// every control byte and every byte outside printable ASCII is shown as \xHH, so none can move
// the cursor, forge a line of its own or send the terminal a command (a title, the clipboard).
// The review channels (review::display_text, display_command), cordon's errors and its log
// lines all show text through here.
#pragma once

#include <string>
#include <string_view>

namespace cordon {

// Appends byte `c`, as it is when it is printable ASCII, else as \xHH.
void append_terminal_safe(std::string& out, unsigned char c);
std::string terminal_safe(std::string_view text);

}  // namespace cordon
