/* rnnlite: train, forecast, backtest, evaluate and inspect rnnlite models on
 * CSV files from the command line. Built on the public API only. */
#include <stdio.h>
#include <string.h>

#include <rnnlite/rnnlite.h>

#include "commands.h"

static const cli_command *const commands[] = {
    &cmd_train, &cmd_forecast, &cmd_backtest, &cmd_evaluate, &cmd_inspect, &cmd_convert,
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_help(void)
{
    printf("Usage: rnnlite COMMAND [OPTION]...\n"
           "Time-series forecasting with recurrent neural networks, on CSV files.\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-10s %s\n", commands[i]->name, commands[i]->summary);
    printf("\n'rnnlite COMMAND --help' lists the options of a command; man rnnlite tells more.\n"
           "  -h, --help     show this help and exit\n"
           "  -V, --version  print the tool's and the library's version and exit\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "rnnlite: no command given\nTry 'rnnlite --help'.\n");
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help();
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("rnnlite %s (library %s, kernels %s)\n", RNNLITE_TOOL_VERSION, rl_version_string(),
               rl_runtime_isa());
        return EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const cli_command *cmd = commands[i];
        if (strcmp(name, cmd->name) != 0)
            continue;
        int status = EXIT_OK;
        cli_args *args = args_parse(cmd, argc - 2, argv + 2, &status);
        if (!args)
            return status;
        if (!cmd->options_first && arg_positional_count(args) > 0) {
            cli_error(cmd->name, "unexpected argument '%s' (files are given with options such as --data)",
                      arg_positional(args, 0));
            args_free(args);
            return EXIT_USAGE;
        }
        status = cmd->run(cmd, args);
        args_free(args);
        return status;
    }
    fprintf(stderr, "rnnlite: unknown command '%s'\nTry 'rnnlite --help'.\n", name);
    return EXIT_USAGE;
}
