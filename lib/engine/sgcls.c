/* sgcls: being written. */
