/* ops-tags: being written. */
