package capture

// MaskAppText lets the tests mask a gather as a capture does.
var MaskAppText = maskAppText
