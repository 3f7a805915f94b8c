import ChargelineCommands

// The executable is a thin shell: everything lives in ChargelineCommands so tests drive it.
@main
struct Main {
    static func main() async {
        await ChargelineCommand.main()
    }
}
