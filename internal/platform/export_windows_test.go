package platform

// ChildCmd lets the external engine tests start this package's child modes.
var ChildCmd = childCmd

// ReadReady lets the external engine tests wait for a child's ready line.
var ReadReady = readReady
