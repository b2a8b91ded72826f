/* The subcommands of the rnnlite tool, one file each (cmd_*.c). */
#ifndef RNNLITE_CLI_COMMANDS_H
#define RNNLITE_CLI_COMMANDS_H

#include "args.h"

extern const cli_command cmd_train;
extern const cli_command cmd_forecast;
extern const cli_command cmd_backtest;
extern const cli_command cmd_evaluate;
extern const cli_command cmd_inspect;
extern const cli_command cmd_convert;

#endif
