#!/usr/bin/env node
// Entry point for the `vaultarr` bin: runs the compiled CLI (npm run build, or scripts/bootstrap.sh).
import '../dist/cli/vaultarr.js';
