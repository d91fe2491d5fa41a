// Package motocheck holds no code, only tests: it checks the AWS simulator
// (package aws/sim) against moto, a widely used AWS emulator that nobody
// working on ecsmedic wrote. The simulator's own tests were written by the
// same people who wrote the simulator, so a misreading of the AWS API
// reference would be baked into both; moto is an independent reading. Each
// test sets up the same state in moto (through the AWS SDK) and in the
// simulator (through a world file under testdata/), sends the same SDK call
// to both, and compares what ecsmedic depends on: which output fields are
// present, and for invalid requests the error code and HTTP status. Where
// moto is known to be incomplete or wrong, the difference is listed, with a
// comment, next to the test case rather than ignored silently.
//
// The tests need moto's server (`moto_server`, moto 5.x) on PATH and skip
// when it is not installed. They talk only to 127.0.0.1.
package motocheck
