/* nt/io.h: IRP, IO_STACK_LOCATION, MDL and their functions. Placeholder: the WSK-path helper owns this file. */
