/* ct-other: being written. */
