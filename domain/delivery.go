package domain

// DeliveryStatus is what a vendor's delivery receipt says became of a text.
type DeliveryStatus string

const (
	DeliveryDelivered DeliveryStatus = "delivered" // the handset has it
	DeliveryFailed    DeliveryStatus = "failed"    // it will not arrive
	DeliverySent      DeliveryStatus = "sent"      // on its way; no final word yet
)
