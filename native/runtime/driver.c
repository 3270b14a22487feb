/* IoCreateDevice/IoDeleteDevice: a DEVICE_OBJECT with its extension after it (64-aligned), linked into the driver's
 * list as Windows does. Devices not deleted by unload are reported. No name is published: nothing here opens
 * devices by name. */
#include "internal.h"

#include <string.h>

#define DEVICE_TAG 'veDW' /* shows as "WDev" */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static ULONG g_devices;

WSKSHARP_API NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
    PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive,
    PDEVICE_OBJECT *DeviceObject)
{
    (void)DeviceName, (void)Exclusive;
    if (DeviceObject == NULL)
        return STATUS_INVALID_PARAMETER;
    *DeviceObject = NULL;
    /* The extension starts cache-aligned: drivers embed 64-aligned types in it (NPAGED_LOOKASIDE_LIST), and
     * right after the 0x148-byte object it would be only 8-aligned. */
    SIZE_T offset = ALIGN_UP_BY(sizeof(DEVICE_OBJECT), 64);
    PDEVICE_OBJECT device = WskSharpPoolAllocateAt(offset + DeviceExtensionSize, DEVICE_TAG, TRUE, NULL, 0,
        WSKSHARP_CALLER());
    if (device == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    device->Type = 3; /* IO_TYPE_DEVICE */
    device->Size = (USHORT)(sizeof(DEVICE_OBJECT) + DeviceExtensionSize);
    device->ReferenceCount = 0;
    device->DriverObject = DriverObject;
    device->DeviceType = DeviceType;
    device->Characteristics = DeviceCharacteristics;
    device->DeviceExtension = DeviceExtensionSize ? (PUCHAR)device + offset : NULL;
    device->StackSize = 1;
    device->Flags = DO_DEVICE_INITIALIZING;
    device->AlignmentRequirement = 0;
    KeInitializeEvent(&device->DeviceLock, SynchronizationEvent, TRUE);
    KeInitializeDpc(&device->Dpc, NULL, NULL);
    pthread_mutex_lock(&g_lock);
    if (DriverObject != NULL) {
        device->NextDevice = DriverObject->DeviceObject;
        DriverObject->DeviceObject = device;
    }
    g_devices++;
    pthread_mutex_unlock(&g_lock);
    *DeviceObject = device;
    return STATUS_SUCCESS;
}

WSKSHARP_API VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject)
{
    if (DeviceObject == NULL)
        return;
    pthread_mutex_lock(&g_lock);
    PDRIVER_OBJECT driver = DeviceObject->DriverObject;
    if (driver != NULL) {
        PDEVICE_OBJECT *link = &driver->DeviceObject;
        while (*link != NULL && *link != DeviceObject)
            link = &(*link)->NextDevice;
        if (*link == DeviceObject)
            *link = DeviceObject->NextDevice;
    }
    g_devices--;
    pthread_mutex_unlock(&g_lock);
    WskSharpPoolFreeAt(DeviceObject, DEVICE_TAG, TRUE, NULL, 0, WSKSHARP_CALLER());
}

/* The device's pool block is reported as a leak too; this line says what it is. */
ULONG WskSharpDeviceReport(char *Buffer, SIZE_T Size, SIZE_T *Used)
{
    pthread_mutex_lock(&g_lock);
    ULONG devices = g_devices;
    pthread_mutex_unlock(&g_lock);
    if (devices == 0)
        return 0;
    WskSharpAppend(Buffer, Size, Used, "DEVICE_NOT_DELETED: %u device object(s) not deleted (IoDeleteDevice)\n",
        (unsigned)devices);
    return 1;
}
