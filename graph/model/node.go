package model

// Node is the Go side of the schema's Node interface: any of the models bound to a type that
// implements it (models.Reservation, models.Service, …), which gqlgen tells apart by a type switch.
// The registry of node types is services/node.
type Node interface{}
