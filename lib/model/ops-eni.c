/* ops-eni: being written. */
