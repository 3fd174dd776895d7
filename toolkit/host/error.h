// The host side's exception: a message that names the file, the field and what was expected.
#ifndef TINYFORGE_TOOLKIT_HOST_ERROR_H_
#define TINYFORGE_TOOLKIT_HOST_ERROR_H_

#include <stdexcept>
#include <string>

namespace tinyforge::host {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_HOST_ERROR_H_
