// infusim reference firmware for the Arduino Uno (ATmega328P).
//
// Speaks the infusim line protocol (docs/protocol.md) on the USB serial port at 115200 baud and
// drives a reduced large-volume pump: basic and drug-library programs, KVO, bolus, titration and
// the alarms wired to the sensor pins listed in infusim.h (see hardware/README.md).
//
// Built with -DINFUSIM_TEST_CLOCK the pump runs on virtual time moved by `TICK ms=<n>`; otherwise
// it runs in real time from millis() and answers TICK with ERR NOT_SUPPORTED.
//
// The logic lives in infusim.cpp so that the Arduino IDE and the Makefile build the same code.
#include "infusim.h"

void setup() {
  infusimSetup();
}

void loop() {
  infusimLoop();
}
