#pragma once

#include "ackd/config/config.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::config {

// ackd.yaml as the daemon and `ackd check --config` read it: parsed and checked with the
// built-in sink and source types, then each secret read from where it says. A secret that
// cannot be read is an error at its place, which never shows its value.
ConfigResult read_config(const yaml::SourceFile& file);

// Reads every secret of the sinks and sources into its setting, reporting what cannot be
// read: a credential from $CREDENTIALS_DIRECTORY/NAME (systemd's LoadCredential=), a file,
// or an environment variable; one trailing newline is dropped.
void read_secrets(Config& config, yaml::Diagnostics& diagnostics);

}  // namespace ackd::config
