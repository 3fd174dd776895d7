// A stand-in for the Arduino core on tinyforge's QEMU boards (tests only): Serial prints over
// semihosting (firmware/hal), delay() returns at once, and main() runs setup() and then loop()
// TINYFORGE_SKETCH_LOOPS times before exiting, so a sketch's logic runs as on a board.
#ifndef TINYFORGE_TESTS_ARDUINO_ARDUINO_H_
#define TINYFORGE_TESTS_ARDUINO_ARDUINO_H_

#include <stddef.h>
#include <stdint.h>

class SerialStandIn {
 public:
  void begin(unsigned long baud) { (void)baud; }
  void print(const char* text);
  void print(char c);
  void print(int value) { print(static_cast<long>(value)); }
  void print(unsigned int value) { print(static_cast<unsigned long>(value)); }
  void print(long value);
  void print(unsigned long value);
  // As Arduino's Print: `digits` decimals, rounded.
  void print(double value, int digits = 2);
  void println() { print("\n"); }
  template <typename T>
  void println(T value) {
    print(value);
    println();
  }
  void println(double value, int digits) {
    print(value, digits);
    println();
  }
};

extern SerialStandIn Serial;

void delay(unsigned long ms);
unsigned long millis();

void setup();
void loop();

#endif  // TINYFORGE_TESTS_ARDUINO_ARDUINO_H_
