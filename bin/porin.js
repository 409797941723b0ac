#!/usr/bin/env node
// The `porin` command: a thin launcher for the compiled CLI.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
