package commands

// notYet announces a command that later work will build, so that asking for
// it gets a kind answer instead of "unknown command".
func notYet(name string) command { return command{Name: name} }
