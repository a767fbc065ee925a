/** Device protocol version; bumped when an incompatible message change is made. */
export const PROTOCOL_VERSION = 1;
