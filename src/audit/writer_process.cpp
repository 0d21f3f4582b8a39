// cordon-audit-writer: the session writer as a program of its own (see writer_main.h). Kept
// apart from cordon-audit so that it links only what writing needs: it starts at every session.
#include "audit/writer_main.h"

int main() {
  return cordon::audit::run_session_writer();
}
