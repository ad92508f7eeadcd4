package broker

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/switchboard-rt/switchboard/server/hub"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// Uploaded files live in a JetStream object store (so they replicate and
// persist with the rest of the data), one object per file named by its
// id, with what messages show of it in the object's metadata.

// Metadata keys of a stored file.
const (
	metaName = "name"
	metaType = "type"
	metaRoom = "room"
	metaUser = "user"
)

func (b *Broker) openFiles(ctx context.Context) (jetstream.ObjectStore, error) {
	return b.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      b.opts.FilesBucket,
		Description: "Switchboard uploaded files",
		TTL:         b.opts.FilesAge,
		MaxBytes:    b.opts.FilesMaxBytes,
		Storage:     jetstream.FileStorage,
		Replicas:    b.opts.Replicas,
	})
}

// PutFile stores the content of r as file meta.ID. meta.Size is set from
// what was read.
func (b *Broker) PutFile(ctx context.Context, meta hub.FileMeta, r io.Reader) (hub.FileMeta, error) {
	info, err := b.files.Put(ctx, jetstream.ObjectMeta{
		Name: meta.ID,
		Metadata: map[string]string{
			metaName: meta.Name, metaType: meta.Type, metaRoom: meta.Room, metaUser: meta.User,
		},
	}, r)
	if err != nil {
		return meta, fmt.Errorf("store file: %w", err)
	}
	meta.Size = int64(info.Size)
	return meta, nil
}

// FileInfo returns what is stored of file id. See hub.Broker.
func (b *Broker) FileInfo(ctx context.Context, id string) (hub.FileMeta, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	info, err := b.files.GetInfo(ctx, id)
	if err != nil {
		return hub.FileMeta{}, fileErr(id, err)
	}
	return fileMeta(info), nil
}

// OpenFile returns what is stored of file id and its content; the caller
// closes it. ctx bounds the whole read.
func (b *Broker) OpenFile(ctx context.Context, id string) (hub.FileMeta, io.ReadCloser, error) {
	obj, err := b.files.Get(ctx, id)
	if err != nil {
		return hub.FileMeta{}, nil, fileErr(id, err)
	}
	info, err := obj.Info()
	if err != nil {
		obj.Close()
		return hub.FileMeta{}, nil, fileErr(id, err)
	}
	return fileMeta(info), obj, nil
}

func fileErr(id string, err error) error {
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return hub.ErrFileNotFound
	}
	return fmt.Errorf("file %s: %w", id, err)
}

func fileMeta(info *jetstream.ObjectInfo) hub.FileMeta {
	m := info.Metadata
	return hub.FileMeta{
		Attachment: protocol.Attachment{ID: info.Name, Name: m[metaName], Type: m[metaType], Size: int64(info.Size)},
		Room:       m[metaRoom], User: m[metaUser],
	}
}
