/* ct: being written. */
