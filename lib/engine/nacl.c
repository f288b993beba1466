/* nacl: being written. */
